/** config/provider-keys.ts writes the AWS provider's config keys out; they stay those of the pinned SDK. */
import * as awsConfig from "@pulumi/aws/config/vars";
import { AWS_KEYS } from "../config/provider-keys";

it("AWS_KEYS are exactly the config variables @pulumi/aws exports", () => {
  expect([...AWS_KEYS].sort()).toEqual(Object.keys(awsConfig).sort());
});
