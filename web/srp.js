// Telegram's 2FA SRP, client side (https://core.telegram.org/api/srp), for
// passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow. The
// password never leaves the page: only A and M1 (a proof), or a new verifier
// v = g^x mod p, are sent. Matches the server's internal/srp.
"use strict";

const SRP = (() => {
  const enc = new TextEncoder();

  function b64ToBytes(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function bytesToB64(b) {
    let s = "";
    for (const x of b) s += String.fromCharCode(x);
    return btoa(s);
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) { out.set(p, off); off += p.length; }
    return out;
  }
  function toBig(b) {
    let hex = "";
    for (const x of b) hex += x.toString(16).padStart(2, "0");
    return hex ? BigInt("0x" + hex) : 0n;
  }
  // toBytes is n big-endian, padded to len bytes (256: 2048 bits).
  function toBytes(n, len = 256) {
    let hex = n.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    const out = new Uint8Array(len);
    const raw = hex.length / 2;
    for (let i = 0; i < raw; i++) out[len - raw + i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function mod(a, m) { const r = a % m; return r < 0n ? r + m : r; }
  function modPow(b, e, m) {
    let r = 1n;
    b = mod(b, m);
    while (e > 0n) {
      if (e & 1n) r = (r * b) % m;
      e >>= 1n;
      b = (b * b) % m;
    }
    return r;
  }
  async function H(...parts) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
  }
  // SH(data, salt) = H(salt | data | salt)
  function SH(data, salt) { return H(salt, data, salt); }
  async function pbkdf2(password, salt) {
    const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations: 100000 }, key, 512);
    return new Uint8Array(bits);
  }
  // x = PH2(password, salt1, salt2) as a number.
  async function passwordX(password, salt1, salt2) {
    const ph1 = await SH(await SH(enc.encode(password), salt1), salt2);
    return toBig(await SH(await pbkdf2(ph1, salt1), salt2));
  }
  function params(algo) {
    const p = b64ToBytes(algo.p), g = BigInt(algo.g);
    return { p, P: toBig(p), g, gPad: toBytes(g), salt1: b64ToBytes(algo.salt1), salt2: b64ToBytes(algo.salt2) };
  }

  // check returns {srp_id, a, m1} (base64) proving password against the
  // server's current_algo, srp_id and srp_B.
  async function check(password, algo, srpId, srpB) {
    const { p, P, g, gPad, salt1, salt2 } = params(algo);
    const B = b64ToBytes(srpB), gb = toBig(B);
    if (gb <= 1n || gb >= P - 1n) throw new Error("the server's srp_B is out of range");
    const x = await passwordX(password, salt1, salt2);
    const v = modPow(g, x, P);
    const k = toBig(await H(p, gPad));
    let a, A, u;
    do {
      a = toBig(crypto.getRandomValues(new Uint8Array(256)));
      A = toBytes(modPow(g, a, P));
      u = toBig(await H(A, toBytes(gb)));
    } while (u === 0n);
    const t = mod(gb - mod(k * v, P), P);
    const S = modPow(t, a + u * x, P);
    const K = await H(toBytes(S));
    const hp = await H(p), hg = await H(gPad);
    const hpg = hp.map((b, i) => b ^ hg[i]);
    const m1 = await H(hpg, await H(salt1), await H(salt2), A, toBytes(gb), K);
    return { srp_id: srpId, a: bytesToB64(A), m1: bytesToB64(m1) };
  }

  // newSettings returns {new_algo, new_password_hash} for setting password:
  // salt1 is the offered one extended by 32 random bytes, as clients do.
  async function newSettings(password, newAlgo) {
    const salt1 = concat(b64ToBytes(newAlgo.salt1), crypto.getRandomValues(new Uint8Array(32)));
    const algo = { ...newAlgo, salt1: bytesToB64(salt1) };
    const { P, g, salt2 } = params(algo);
    const v = modPow(g, await passwordX(password, salt1, salt2), P);
    return { new_algo: algo, new_password_hash: bytesToB64(toBytes(v)) };
  }

  return { check, newSettings, b64ToBytes, bytesToB64 };
})();
