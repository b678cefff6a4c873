// hack/test.sh runs this after the integration tests: the credential scan of the logs they captured in
// $KUBEFED_TEST_LOG_DIR (test/harness/log-capture.ts). Prints `credential scan: ... clean` or each finding
// (file and redacted excerpt), deletes the recorded secrets either way, and exits 1 on a finding.
//   tsx hack/scan-test-logs.ts DIR
import { existsSync } from 'node:fs';
import { formatScanReport, removeRecordedSecrets, scanCaptureDir } from '../test/harness/credential-scan.js';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.error(`usage: tsx hack/scan-test-logs.ts DIR (the test log capture folder)${dir ? `: ${dir} does not exist` : ''}`);
  process.exit(2);
}
try {
  const result = await scanCaptureDir(dir);
  console.log(formatScanReport(result));
  process.exitCode = result.findings.length > 0 ? 1 : 0;
} finally {
  await removeRecordedSecrets(dir);
}
