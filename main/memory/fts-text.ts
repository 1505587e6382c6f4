// FTS5's unicode61 tokenizer splits on spaces and punctuation, which leaves Chinese and Japanese
// text (written without spaces) as one long token. Each CJK character becomes a token of its own
// instead, in the indexed text and in queries alike, and a CJK word is searched as a phrase of
// its characters. Queries are built from words only, so FTS syntax in them (" * - NEAR …) is
// taken literally.

const CJK = /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])/g;

/** The text as the FTS table indexes it. */
export const ftsText = (text: string) => text.replace(CJK, ' $1 ');

const MAX_TERMS = 32;

// Words too common to say what a query is about; dropped unless the query has nothing else.
const STOPWORDS = new Set(
  'a an and are as at be by did do does for from had has have how i in is it its my of on or our so that the their them then there these this to was we were what when where which who why will with you your'.split(' '),
);

/** An FTS5 MATCH expression: any of the query's words (CJK words as phrases); null when it has none. */
export function ftsQuery(query: string): string | null {
  const all = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])];
  const meaningful = all.filter((w) => !STOPWORDS.has(w));
  const words = (meaningful.length > 0 ? meaningful : all).slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  return words.map((word) => `"${ftsText(word).trim().split(/\s+/).join(' ')}"`).join(' OR ');
}
