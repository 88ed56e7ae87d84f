// An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it chunks as
// they arrive, get whole events back. Handles CRLF/CR/LF line ends split across chunks and
// multi-line data; comments (keep-alives) are skipped.
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private skipLf = false;
  private first = true;
  private data: string[] = [];
  private type = "";
  private lastId: string | undefined;

  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */ && this.skipLf && i === start && this.buffer === "") {
        // Second half of a CRLF whose CR ended the previous chunk.
        this.skipLf = false;
        start = i + 1;
        continue;
      }
      this.skipLf = false;
      if (c === 10 || c === 13) {
        const line = this.buffer + text.slice(start, i);
        this.buffer = "";
        if (c === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          else if (i + 1 === text.length) this.skipLf = true;
        }
        start = i + 1;
        const event = this.line(line);
        if (event) out.push(event);
      }
    }
    this.buffer += text.slice(start);
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const data = this.data;
    const type = this.type;
    this.data = [];
    this.type = "";
    if (data.length === 0) return undefined;
    return { event: type || "message", data: data.join("\n"), id: this.lastId };
  }
}
