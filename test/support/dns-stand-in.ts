import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';

const TYPE_A = 1;
const TYPE_AAAA = 28;

/**
 * A DNS server on loopback (UDP, RFC 1035 wire format) answering A and AAAA queries from a table the
 * test changes at will, with TTL 0, as a rebinding attacker's server would: a name may answer a public
 * address now and 169.254.169.254 at the next query. Unknown names get NXDOMAIN.
 */
export class DnsStandIn {
  private readonly records = new Map<string, string[]>();
  readonly queries: { name: string; type: 'A' | 'AAAA' }[] = [];
  private socket?: Socket;
  port = 0;

  /** Sets every address a name answers (v4 and v6); [] makes it exist with no records. */
  set(name: string, addresses: string[]): void {
    this.records.set(name.toLowerCase(), addresses);
  }

  async start(): Promise<this> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (query, peer) => {
      const answer = this.answer(query);
      if (answer) this.socket!.send(answer, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => this.socket!.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    return this;
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    const type = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    if (type === TYPE_A || type === TYPE_AAAA)
      this.queries.push({ name, type: type === TYPE_A ? 'A' : 'AAAA' });
    const known = this.records.get(name);
    const matching = (known ?? []).filter((a) =>
      type === TYPE_A ? isIPv4(a) : type === TYPE_AAAA && !isIPv4(a),
    );
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    // QR, RD, RA; RCODE 3 (NXDOMAIN) for a name nobody set.
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(matching.length, 6);
    const answers = matching.map((address) => {
      const data = type === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0);
      record.writeUInt16BE(type, 2);
      record.writeUInt16BE(1, 4);
      record.writeUInt32BE(0, 6);
      record.writeUInt16BE(data.length, 10);
      return Buffer.concat([record, data]);
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
  }
}

function ipv6Bytes(written: string): Buffer {
  // A dotted IPv4 tail (::ffff:10.0.0.1) is two groups.
  const address = written.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((g) => g.toString(16)).join(':'),
  );
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parts = (s: string | undefined) => (s ? s.split(':').filter(Boolean) : []);
  const left = parts(head);
  const right = parts(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}
