// hasVary: whether a response holds a Vary already, read from Node's header table (probed) or through getHeader.

import { IncomingMessage, ServerResponse } from 'node:http';
import { hasVary } from '../support/internals';

const response = () => new ServerResponse(new IncomingMessage(null as never));

describe('hasVary', () => {
  it('finds a Vary set in any case, and only a Vary', () => {
    const res = response();
    expect(hasVary(res)).toBe(false);
    res.setHeader('X-Powered-By', 'Express');
    res.setHeader('Varying', 'no');
    expect(hasVary(res)).toBe(false);
    res.setHeader('VARY', 'Accept-Encoding');
    expect(hasVary(res)).toBe(true);
    res.removeHeader('vary');
    expect(hasVary(res)).toBe(false);
    res.appendHeader('Vary', 'Accept-Language');
    expect(hasVary(res)).toBe(true);
  });

  it("asks a response that is not Node's own through getHeader", () => {
    const headers = new Map<string, string>();
    const double = { getHeader: (name: string) => headers.get(name.toLowerCase()) } as unknown as ServerResponse;
    expect(hasVary(double)).toBe(false);
    headers.set('vary', 'Origin');
    expect(hasVary(double)).toBe(true);
  });
});
