"""Wait until pod 0's stable DNS name resolves, before torch.distributed.run tries to reach it.

In a multi-node run (a JobSet) the workers can start before pod 0 is scheduled (its node may still be
scaling up from zero) and before the headless Service publishes its record. torchrun's static
rendezvous gives up on a name that does not resolve, so the launcher waits here first, with a
deadline, and fails with one clear line instead of a stack trace from deep inside torch.
"""
import socket
import time


def wait_for_host(host, seconds, resolve=socket.getaddrinfo, sleep=time.sleep, now=time.monotonic, interval=2.0):
    """Return None once `host` resolves, or a one-line problem after `seconds`."""
    deadline = now() + seconds
    last_error = "no answer"
    while True:
        try:
            if resolve(host, None):
                return None
        except (socket.gaierror, OSError) as exc:
            last_error = str(exc)
        if now() >= deadline:
            return ("rendezvous host %s did not resolve within %d s (%s); fix: check that pod 0 of the Job is "
                    "scheduled and running (kubectl get pods -l batch.kubernetes.io/job-completion-index=0) and that "
                    "the JobSet's headless Service exists" % (host, seconds, last_error))
        sleep(min(interval, max(0.0, deadline - now())))
