/** Times and durations as the reaper prints them. Pure. */

/** "45 min", "2h 05m", "3d 4h". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`;
}

/** "2026-11-20 06:50 UTC": minutes are enough, and UTC keeps scheduled logs comparable. */
export function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
