// The sidecar's side of the CA API: send a CSR with the join token, get a certificate and the trust bundle.
import { CA_API, ZSignResponse, type SignResponse } from "@trellis/mesh-model";
import { request } from "undici";

export class CaClient {
  constructor(
    private readonly baseUrl: string,
    private readonly joinToken: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async sign(csrPem: string): Promise<SignResponse> {
    const res = await request(`${this.baseUrl}${CA_API.sign}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.joinToken}` },
      body: JSON.stringify({ csr: csrPem }),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`the CA answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return ZSignResponse.parse(JSON.parse(text));
  }
}
