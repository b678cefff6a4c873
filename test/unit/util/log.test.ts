import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, textLogLine } from '../../../src/util/log.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, lines };
}

describe('text log format', () => {
  it("writes KubeFed's quoted lines verbatim, fields after them, credentials still redacted", () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream, format: 'text', level: 'info' });
    log.info({ source: 'KubeFedConfig kube-federation-system/kubefed', scope: 'Cluster' }, 'Using valid KubeFedConfig "kube-federation-system/kubefed"');
    log.warn({ token: 'secret-token', cluster: 'member1', count: 2 }, 'cluster is not reachable');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO Using valid KubeFedConfig "kube-federation-system\/kubefed" source="KubeFedConfig kube-federation-system\/kubefed" scope=Cluster\n$/,
    );
    expect(lines[1]).toMatch(/ WARN cluster is not reachable token=\[redacted\] cluster=member1 count=2\n$/);
    expect(lines.join('')).not.toContain('secret-token');
  });

  it('leaves JSON the default', () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream, level: 'info' }).info('Starting cluster controller');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'Starting cluster controller' });
  });

  it.each<[string, string]>([
    ['{"time":"t","level":"error","msg":"m","err":{"message":"boom"}}', 't ERROR m err={"message":"boom"}\n'],
    ['not json', 'not json\n'],
  ])('textLogLine(%s)', (line, text) => {
    expect(textLogLine(line)).toBe(text);
  });
});
