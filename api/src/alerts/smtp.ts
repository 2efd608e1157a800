import { randomBytes } from "node:crypto";
import net from "node:net";
import { hostname } from "node:os";
import tls from "node:tls";

const TIMEOUT_MS = 15_000;

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies (multi-line "250-…" up to "250 …") from a socket, one `next()` at a time. */
class ReplyReader {
  private buffer = "";
  private lines: string[] = [];
  private replies: Reply[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  attach(socket: net.Socket | tls.TLSSocket): void {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.push(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("the SMTP server closed the connection")));
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, "");
      this.buffer = this.buffer.slice(nl + 1);
      this.lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        this.replies.push({ code: Number(line.slice(0, 3)), lines: this.lines.map((l) => l.slice(4)) });
        this.lines = [];
      }
    }
    this.flush();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.flush();
  }

  private flush(): void {
    if (!this.waiting) return;
    const reply = this.replies.shift();
    if (reply) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve(reply);
    } else if (this.failure) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.failure);
    }
  }

  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.flush();
    });
  }
}

function connect(url: URL): Promise<net.Socket> {
  const secure = url.protocol === "smtps:";
  const port = Number(url.port || (secure ? 465 : 587));
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host: url.hostname, port, servername: url.hostname }) : net.connect({ host: url.hostname, port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer from ${url.hostname}:${port} within ${TIMEOUT_MS / 1000}s`)));
    socket.once(secure ? "secureConnect" : "connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

const encodeHeader = (value: string) => (/^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString("base64")}?=`);

function message(from: string, mail: Mail): string {
  const body = mail.text.replace(/\r?\n/g, "\r\n").replace(/^\./gm, ".."); // dot-stuffing
  return [
    `From: ${from}`,
    `To: ${mail.to.join(", ")}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(12).toString("hex")}@gantry>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    body,
    ".",
    "",
  ].join("\r\n");
}

/**
 * Sends one plain-text email through the server of `smtpUrl` (`smtp://[user:pass@]host[:port][?from=addr]`,
 * STARTTLS when the server offers it; `smtps://` for TLS from the start). Throws with the server's reply.
 */
export async function sendMail(smtpUrl: string, mail: Mail): Promise<void> {
  const url = new URL(smtpUrl);
  const from = url.searchParams.get("from") ?? `gantry@${url.hostname}`;
  let socket: net.Socket = await connect(url);
  let reader = new ReplyReader();
  reader.attach(socket);
  const command = async (line: string | null, expect: number[]): Promise<Reply> => {
    if (line !== null) socket.write(`${line}\r\n`);
    const reply = await reader.next();
    if (!expect.includes(reply.code)) throw new Error(`${line?.split(" ")[0] ?? "greeting"} answered ${reply.code} ${reply.lines.join(" ")}`);
    return reply;
  };
  try {
    await command(null, [220]);
    const name = hostname() || "gantry";
    let ehlo = await command(`EHLO ${name}`, [250]);
    if (url.protocol === "smtp:" && ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
      await command("STARTTLS", [220]);
      socket.removeAllListeners("data").removeAllListeners("close").removeAllListeners("error");
      socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const secured = tls.connect({ socket, servername: url.hostname }, () => resolve(secured));
        secured.once("error", reject);
      });
      reader = new ReplyReader();
      reader.attach(socket);
      ehlo = await command(`EHLO ${name}`, [250]);
    }
    if (url.username) {
      const auth = Buffer.from(`\0${decodeURIComponent(url.username)}\0${decodeURIComponent(url.password)}`).toString("base64");
      await command(`AUTH PLAIN ${auth}`, [235]);
    }
    await command(`MAIL FROM:<${from}>`, [250]);
    for (const to of mail.to) await command(`RCPT TO:<${to}>`, [250, 251]);
    await command("DATA", [354]);
    await command(message(from, mail).replace(/\r\n$/, ""), [250]);
    await command("QUIT", [221]).catch(() => undefined);
  } finally {
    socket.destroy();
  }
}
