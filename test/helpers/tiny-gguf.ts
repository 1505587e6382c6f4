/**
 * Generates a tiny but valid GGUF (v3) llama model for tests: random F32 weights, a small
 * SentencePiece-style vocabulary with byte fallback, ChatML control tokens and a ChatML chat
 * template. llama.cpp (through node-llama-cpp) loads and runs it in milliseconds; its output is
 * gibberish, but deterministic under greedy sampling.
 *
 * The weights carry one deliberate bias: embedding dimension 0 is a constant positive channel,
 * and `output.weight` turns it into a large negative logit for every special, control and byte
 * token. So greedy decoding never ends on its own (no EOS / <|im_end|>) and only ever emits
 * printable word pieces: a prompt always runs to `maxTokens` and yields clean text.
 */
import { writeFileSync } from 'node:fs';
import { mulberry32 } from './prng';

// ---- vocabulary ---------------------------------------------------------------------------

const enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Byte = 6,
}

interface VocabEntry {
  text: string;
  score: number;
  type: TokenType;
}

const SP = '\u2581'; // SentencePiece word-boundary marker "▁"

/** Whole words; every prefix is added too, so SPM bigram merging can actually reach them. */
const WORDS = ['the', 'hello', 'world', 'you', 'are', 'a', 'helpful', 'assistant', 'user', 'system', 'is', 'and', 'to', 'of', 'it', 'what', 'how', 'perch'];

function buildVocab(): VocabEntry[] {
  const vocab: VocabEntry[] = [
    { text: '<unk>', score: 0, type: TokenType.Unknown },
    { text: '<s>', score: 0, type: TokenType.Control },
    { text: '</s>', score: 0, type: TokenType.Control },
  ];
  for (let b = 0; b < 256; b++) {
    vocab.push({ text: `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, score: 0, type: TokenType.Byte });
  }
  vocab.push({ text: '<|im_start|>', score: 0, type: TokenType.Control });
  vocab.push({ text: '<|im_end|>', score: 0, type: TokenType.Control });

  const pieces = new Set<string>();
  pieces.add(SP);
  for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?\'"-:;()') pieces.add(c);
  for (const word of WORDS) {
    const full = SP + word;
    for (let i = 2; i <= full.length; i++) pieces.add(full.slice(0, i));
    for (let i = 2; i <= word.length; i++) pieces.add(word.slice(0, i));
  }
  // SPM merges the pair whose merged piece has the highest score: favour longer pieces.
  for (const text of pieces) vocab.push({ text, score: -100 + [...text].length, type: TokenType.Normal });
  return vocab;
}

const VOCAB = buildVocab();

/** Hyper-parameters of the generated model (the vocabulary size is fixed by the token list). */
export const TINY_GGUF = {
  architecture: 'llama',
  defaultContextLength: 512,
  embeddingLength: 64,
  blockCount: 2,
  feedForwardLength: 128,
  headCount: 4,
  headCountKv: 2,
  vocabSize: VOCAB.length,
  bosTokenId: 1,
  eosTokenId: 2,
  unknownTokenId: 0,
  paddingTokenId: 0,
  imStartTokenId: VOCAB.findIndex((t) => t.text === '<|im_start|>'),
  imEndTokenId: VOCAB.findIndex((t) => t.text === '<|im_end|>'),
} as const satisfies Record<string, string | number>;

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// ---- GGUF encoding ------------------------------------------------------------------------

const enum GgufType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

type KvValue =
  | { type: GgufType.UINT32 | GgufType.INT32 | GgufType.FLOAT32; value: number }
  | { type: GgufType.BOOL; value: boolean }
  | { type: GgufType.STRING; value: string }
  | { type: GgufType.ARRAY; itemType: GgufType.STRING; value: string[] }
  | { type: GgufType.ARRAY; itemType: GgufType.INT32 | GgufType.FLOAT32; value: number[] };

/** Growable little-endian byte writer. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }

  u64(v: number | bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }

  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  /** GGUF string: u64 byte length + UTF-8 bytes, no terminator. */
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.bytes(bytes);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(w: ByteWriter, type: GgufType, value: number | boolean | string): void {
  switch (type) {
    case GgufType.UINT32: w.u32(value as number); break;
    case GgufType.INT32: w.i32(value as number); break;
    case GgufType.FLOAT32: w.f32(value as number); break;
    case GgufType.BOOL: w.u8(value ? 1 : 0); break;
    case GgufType.STRING: w.str(value as string); break;
    default: throw new Error(`unsupported GGUF scalar type ${type}`);
  }
}

function writeKv(w: ByteWriter, key: string, kv: KvValue): void {
  w.str(key);
  w.u32(kv.type);
  if (kv.type === GgufType.ARRAY) {
    w.u32(kv.itemType);
    w.u64(kv.value.length);
    for (const item of kv.value) writeScalar(w, kv.itemType, item);
  } else {
    writeScalar(w, kv.type, kv.value);
  }
}

// ---- weights ------------------------------------------------------------------------------


interface Tensor {
  name: string;
  /** GGUF/ggml order: ne[0] is the fastest-varying (contiguous) dimension. */
  dims: number[];
  data: Float32Array;
}

function buildTensors(seed: number): Tensor[] {
  const rand = mulberry32(seed);
  const uniform = (n: number, scale = 0.05): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
    return out;
  };
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

  const { embeddingLength: E, feedForwardLength: F, headCount, headCountKv, blockCount } = TINY_GGUF;
  const V = VOCAB.length;
  const kvDim = (E / headCount) * headCountKv;

  // Row v of token_embd / output is the E contiguous floats starting at v * E.
  const tokenEmbd = uniform(V * E);
  for (let v = 0; v < V; v++) tokenEmbd[v * E] = 1; // constant channel (see the file comment)
  const output = uniform(V * E);
  for (let v = 0; v < V; v++) output[v * E] = VOCAB[v]!.type === TokenType.Normal ? 0.2 : -1;

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [E, V], data: tokenEmbd },
    { name: 'output_norm.weight', dims: [E], data: ones(E) },
    { name: 'output.weight', dims: [E, V], data: output },
  ];
  for (let i = 0; i < blockCount; i++) {
    const p = `blk.${i}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${p}attn_q.weight`, dims: [E, E], data: uniform(E * E) },
      { name: `${p}attn_k.weight`, dims: [E, kvDim], data: uniform(E * kvDim) },
      { name: `${p}attn_v.weight`, dims: [E, kvDim], data: uniform(E * kvDim) },
      { name: `${p}attn_output.weight`, dims: [E, E], data: uniform(E * E) },
      { name: `${p}ffn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${p}ffn_gate.weight`, dims: [E, F], data: uniform(E * F) },
      { name: `${p}ffn_up.weight`, dims: [E, F], data: uniform(E * F) },
      { name: `${p}ffn_down.weight`, dims: [F, E], data: uniform(F * E) },
    );
  }
  return tensors;
}

// ---- file ---------------------------------------------------------------------------------

/** Writes the tiny llama GGUF model to `file` (about 0.5 MB). Same seed, same bytes. */
export function writeTinyGguf(file: string, options: { seed?: number; contextLength?: number } = {}): void {
  const seed = options.seed ?? 42;
  const contextLength = options.contextLength ?? TINY_GGUF.defaultContextLength;
  const { embeddingLength: E, headCount } = TINY_GGUF;
  const U32 = GgufType.UINT32;

  const kvs: [string, KvValue][] = [
    ['general.architecture', { type: GgufType.STRING, value: 'llama' }],
    ['general.name', { type: GgufType.STRING, value: 'tiny-test-llama' }],
    ['general.file_type', { type: U32, value: 0 }], // ALL_F32
    ['general.alignment', { type: U32, value: ALIGNMENT }],
    ['llama.vocab_size', { type: U32, value: VOCAB.length }],
    ['llama.context_length', { type: U32, value: contextLength }],
    ['llama.embedding_length', { type: U32, value: E }],
    ['llama.block_count', { type: U32, value: TINY_GGUF.blockCount }],
    ['llama.feed_forward_length', { type: U32, value: TINY_GGUF.feedForwardLength }],
    ['llama.attention.head_count', { type: U32, value: headCount }],
    ['llama.attention.head_count_kv', { type: U32, value: TINY_GGUF.headCountKv }],
    ['llama.attention.layer_norm_rms_epsilon', { type: GgufType.FLOAT32, value: 1e-5 }],
    ['llama.rope.dimension_count', { type: U32, value: E / headCount }],
    ['llama.rope.freq_base', { type: GgufType.FLOAT32, value: 10000 }],
    ['tokenizer.ggml.model', { type: GgufType.STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: GgufType.ARRAY, itemType: GgufType.STRING, value: VOCAB.map((t) => t.text) }],
    ['tokenizer.ggml.scores', { type: GgufType.ARRAY, itemType: GgufType.FLOAT32, value: VOCAB.map((t) => t.score) }],
    ['tokenizer.ggml.token_type', { type: GgufType.ARRAY, itemType: GgufType.INT32, value: VOCAB.map((t) => t.type) }],
    ['tokenizer.ggml.bos_token_id', { type: U32, value: TINY_GGUF.bosTokenId }],
    ['tokenizer.ggml.eos_token_id', { type: U32, value: TINY_GGUF.eosTokenId }],
    ['tokenizer.ggml.unknown_token_id', { type: U32, value: TINY_GGUF.unknownTokenId }],
    ['tokenizer.ggml.padding_token_id', { type: U32, value: TINY_GGUF.paddingTokenId }],
    ['tokenizer.ggml.add_bos_token', { type: GgufType.BOOL, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: GgufType.BOOL, value: false }],
    // No implicit "▁" before each text fragment: keeps ChatML rendering exact ("<|im_start|>user").
    ['tokenizer.ggml.add_space_prefix', { type: GgufType.BOOL, value: false }],
    ['tokenizer.chat_template', { type: GgufType.STRING, value: CHATML_TEMPLATE }],
  ];
  const tensors = buildTensors(seed);

  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3); // version
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const [key, kv] of kvs) writeKv(w, key, kv);

  // Tensor infos: offsets are relative to the (aligned) start of the data section.
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
    offsets.push(offset);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += t.data.byteLength;
  }

  w.padTo(ALIGNMENT);
  const dataStart = w.length;
  tensors.forEach((t, i) => {
    const expected = dataStart + offsets[i]!;
    while (w.length < expected) w.u8(0);
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });

  writeFileSync(file, w.result());
}
