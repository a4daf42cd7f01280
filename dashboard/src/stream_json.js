// Reads a /trials answer ({"version":V,"trials":[{...},...], ...}) while it arrives: each batch
// of complete trial objects is parsed as soon as its bytes are in, so JSON parsing overlaps the
// transfer instead of starting after it (at 100 000 trials the answer is over 100 MB). The other
// members are parsed once at the end, with "trials" put back. Any other shape: one JSON.parse.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

export class TrialsStreamParser {
  constructor() {
    this.decoder = new TextDecoder();
    this.skeletonDecoder = new TextDecoder(); // streaming: a character may straddle two chunks
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.inTrials = false; // inside the top-level "trials" array
    this.trialDepth = 0; // >0 while inside one trial object
    this.skeleton = []; // the answer's bytes outside the trials (strings, decoded)
    this.tail = ''; // the skeleton's last characters (to recognise the "trials" key)
    this.pending = null; // bytes of a trial object cut by a chunk boundary
    this.batches = [];
    this.count = 0;
  }

  // True when the skeleton read so far ends with the key "trials" and its colon.
  atTrialsKey() {
    return /"trials"\s*:\s*$/.test(this.tail);
  }

  skel(bytes) {
    if (!bytes.length) return;
    const text = this.skeletonDecoder.decode(bytes, { stream: true });
    this.skeleton.push(text);
    this.tail = (this.tail + text).slice(-32);
  }

  push(chunk) {
    let buf = chunk;
    let offset = 0; // where this buf's unscanned bytes start (after a carried partial trial)
    if (this.pending) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
      offset = this.pending.length;
      this.pending = null;
    }
    let firstStart = -1; // first trial object starting in buf (or the pending one, at 0)
    let lastEnd = -1; // end (exclusive) of the last complete trial object in buf
    let skelStart = this.inTrials || this.trialDepth > 0 ? -1 : 0;
    if (this.trialDepth > 0) firstStart = 0;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    let trialDepth = this.trialDepth;
    const n = buf.length;
    for (let i = offset; i < n; i++) {
      const c = buf[i];
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        depth++;
        if (trialDepth > 0) trialDepth++;
        else if (this.inTrials && c === OPEN_OBJ && depth === 3) {
          trialDepth = 1;
          if (firstStart < 0) firstStart = i;
        } else if (!this.inTrials && depth === 2 && c === OPEN_ARR) {
          if (skelStart >= 0) this.skel(buf.subarray(skelStart, i));
          skelStart = -1;
          if (this.atTrialsKey()) {
            this.inTrials = true;
            this.skeleton.push('[');
            this.tail = '';
          } else skelStart = i;
        }
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        depth--;
        if (trialDepth > 0) {
          trialDepth--;
          if (trialDepth === 0) lastEnd = i + 1;
        } else if (this.inTrials && depth === 1) {
          this.inTrials = false;
          skelStart = i; // the closing ']' belongs to the skeleton
        }
      }
    }
    if (firstStart >= 0 && lastEnd > firstStart) {
      const text = this.decoder.decode(buf.subarray(firstStart, lastEnd));
      const trials = JSON.parse(`[${text}]`);
      this.batches.push(trials);
      this.count += trials.length;
    }
    if (trialDepth > 0) {
      // Keep the unfinished trial object for the next chunk.
      const from = lastEnd > firstStart && lastEnd >= 0 ? nextObjectStart(buf, lastEnd) : firstStart;
      this.pending = buf.slice(from);
    }
    if (skelStart >= 0 && !this.inTrials && trialDepth === 0) this.skel(buf.subarray(skelStart));
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    this.trialDepth = trialDepth;
  }

  finish() {
    const answer = JSON.parse(this.skeleton.join('') || '{}');
    answer.trials = this.batches.length === 1 ? this.batches[0] : [].concat(...this.batches);
    return answer;
  }
}

// The '{' that starts the object after position `from` (skipping ',' and white space).
function nextObjectStart(buf, from) {
  let i = from;
  while (i < buf.length && buf[i] !== OPEN_OBJ) i++;
  return i;
}
