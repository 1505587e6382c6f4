#!/usr/bin/env node
// Draws the tray icons (resources/tray-*.png) as small PNGs: a perch diamond, with a dot for
// "working", a red dot for "needs attention" and two bars for "paused". macOS gets template images
// (black with alpha; the menu bar tints them). Run by hand when the design changes; the files are
// committed.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Buffer } from 'node:buffer';

const out = path.resolve(import.meta.dirname, '../resources');
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc32 = (buf) => {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel((x + 0.5) / size, (y + 0.5) / size), 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const diamond = (x, y) => Math.abs(x - 0.42) + Math.abs(y - 0.45) < 0.36;
const dot = (x, y) => (x - 0.8) ** 2 + (y - 0.8) ** 2 < 0.03;
const bars = (x, y) => y > 0.62 && y < 0.95 && ((x > 0.66 && x < 0.74) || (x > 0.82 && x < 0.9));
const BLUE = [59, 110, 245, 255];
const RED = [214, 69, 69, 255];
const GREEN = [34, 165, 89, 255];
const CLEAR = [0, 0, 0, 0];
const BLACK = [0, 0, 0, 255];

const states = {
  idle: () => null,
  working: (x, y) => (dot(x, y) ? GREEN : null),
  attention: (x, y) => (dot(x, y) ? RED : null),
  paused: (x, y) => (bars(x, y) ? BLUE : null),
};
for (const [state, badge] of Object.entries(states)) {
  for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
    fs.writeFileSync(path.join(out, `tray-${state}${suffix}.png`), png(size, (x, y) => badge(x, y) ?? (diamond(x, y) ? BLUE : CLEAR)));
    // Template images: shape only (the badge's meaning carried by its shape: dot or bars).
    fs.writeFileSync(path.join(out, `tray-${state}Template${suffix}.png`), png(size, (x, y) => (badge(x, y) || diamond(x, y) ? BLACK : CLEAR)));
  }
}
console.log('tray icons written to', out);
