// The page of `w2v teach`: Rong's "word2vec Parameter Learning Explained", one training
// example at a time, on the numbers w2v's own kernels computed (w2vcli/explore/teach.py); after
// common.js (the helpers it shares with w2v serve's page). Plain JavaScript, no build step,
// nothing from another origin (the server's Content-Security-Policy allows its own files
// only). Words are data: they reach the page as JSON strings and go into it as text, never
// as HTML.
"use strict";

const MAP = { width: 520, height: 290, margin: 18, labelRoom: 56 }; // the SVG's viewBox
const ARCH_NAMES = { cbow: "CBOW", skipgram: "skip-gram" };
const LOSS_NAMES = { softmax: "full softmax", hs: "hierarchical softmax", ns: "negative sampling" };
const DIMS = Array.from({ length: 19 }, (_, i) => i + 2); // 2 to 20, as the API takes
const WINDOWS = [1, 2, 3, 4, 5];
const MAX_ALPHA = 0.5; // as the API takes (w2vcli/explore/teach.py: MAX_ALPHA): above it, the models diverge
const SHOWN_VECTOR = 8; // dimensions written out in an equation; more are on the heatmaps

let presets = null; // /api/presets
let lessonPreset = null; // the preset this page last restarted with (see presetOf)
let queue = Promise.resolve(); // requests are sent one after another, answers shown in order

// Elements.

function el(name, attributes = {}, ...children) {
  const element = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "testid") element.dataset.testid = value;
    else if (value !== undefined && value !== null) element.setAttribute(key, value);
  }
  element.append(...children);
  return element;
}

// Numbers: a true minus sign, and no "−0.000".
function fmt(x, digits = 3) {
  const text = x.toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return text.replace("-", "−");
}

function num(x, digits = 3, testid) {
  return el("span", { class: "num", testid, title: String(x) }, fmt(x, digits));
}

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

// A diverging colour: blue for negative, white for 0, orange-red for positive; |x| / scale
// of 1 is the full colour.
function heat(x, scale) {
  const t = Math.min(1, Math.abs(x) / (scale || 1)) ** 0.75;
  const [r, g, b] = x < 0 ? [36, 87, 197] : [217, 72, 15];
  const mix = (c) => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

function inkOn(x, scale) {
  return Math.abs(x) / (scale || 1) > 0.55 ? "#fff" : "";
}

// A formula in the paper's notation, from a small markup: x_j and x_{ab} subscripts, x^T
// superscripts, ' a prime; single letters (and η, σ, EH) in italics, longer runs of
// letters (exp, log) upright; each @ takes the next argument: an element, or a string
// that is data (a word) and goes in as text.
function formula(source, ...args) {
  const root = el("span", { class: "formula" });
  let i = 0;
  const letter = /[A-Za-z]/;
  const italicWords = new Set(["EH", "EI"]);

  function token(parent) {
    const c = source[i];
    if (c === "@") {
      i++;
      const arg = args.shift();
      parent.append(arg instanceof Node ? arg : el("span", { class: "word" }, String(arg)));
    } else if (c === "_" || c === "^") {
      i++;
      const box = el(c === "_" ? "sub" : "sup");
      if (source[i] === "{") {
        i++;
        group(box, "}");
      } else if (letter.test(source[i])) {
        box.append(el("i", {}, source[i++])); // one letter: x_ij is x_i j
      } else {
        token(box);
      }
      parent.append(box);
    } else if (c === "'") {
      i++;
      parent.append("′");
    } else if (letter.test(c)) {
      let j = i;
      while (j < source.length && letter.test(source[j])) j++;
      const run = source.slice(i, j);
      i = j;
      parent.append(run.length === 1 || italicWords.has(run) ? el("i", {}, run) : run);
    } else if ("ησ".includes(c)) {
      i++;
      parent.append(el("i", {}, c));
    } else {
      i++;
      parent.append(c);
    }
  }

  function group(parent, stop) {
    while (i < source.length) {
      if (source[i] === stop) {
        i++;
        return;
      }
      token(parent);
    }
  }

  group(root, null);
  return root;
}

// A vector written out: (0.012, −0.340, …) up to SHOWN_VECTOR numbers.
function vectorText(vector, digits = 3) {
  const shown = vector.slice(0, SHOWN_VECTOR).map((x) => fmt(x, digits));
  if (vector.length > SHOWN_VECTOR) shown.push("…");
  return `(${shown.join(", ")})`;
}

function wordList(words) {
  const out = el("span", { class: "words" });
  words.forEach((word, i) => {
    if (i) out.append(", ");
    out.append(el("span", { class: "word" }, word));
  });
  return out;
}

// The API.

// Ask for a state, after the requests already asked; show it. A script error in showing
// it goes to the console (where the tests see it); the queue goes on.
function ask(endpoint, params, answered = () => {}) {
  queue = queue
    .then(async () => {
      document.body.classList.add("busy");
      let state;
      try {
        state = await api(endpoint, params);
      } catch (error) {
        setStatus($("status"), error.message);
        return;
      } finally {
        document.body.classList.remove("busy");
      }
      setStatus($("status"), "");
      answered(state);
      render(state);
    })
    .catch((error) => console.error(error));
  return queue;
}

function step(n) {
  ask("step", { n });
}

function alphaValue() {
  const value = Number($("alpha").value);
  const text = $("alpha").value.trim();
  if (!text || !Number.isFinite(value) || value <= 0 || value > MAX_ALPHA) return null;
  return value;
}

function setAlpha() {
  const alpha = alphaValue();
  if (alpha === null) return setStatus($("status"), `η: give a number above 0, at most ${MAX_ALPHA}`);
  ask("step", { n: 0, alpha });
}

function restart() {
  const params = {};
  for (const name of ["preset", "arch", "loss", "dim", "window"]) params[name] = $(name).value;
  // The learning rate shown goes with the new model too: /api/restart starts from the
  // lesson's first settings, where η set since (by /api/step) is not.
  const alpha = alphaValue();
  if (alpha !== null) params.alpha = alpha;
  ask("restart", params, () => (lessonPreset = params.preset));
}

// The controls.

function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map(([value, label]) => el("option", { value: String(value) }, String(label))),
  );
}

// The preset the lesson is: a preset's name, or "corpus" for the text the command was
// given. The one this page restarted with, if it did: a lesson restarted on the corpus
// after a preset is named after that preset (/api/restart names it by the lesson before).
function presetOf(state) {
  if (lessonPreset !== null) return lessonPreset;
  const names = presets.presets.map((p) => p.name).filter((name) => name !== "corpus");
  if (names.includes(state.corpus)) return state.corpus;
  return presets.presets.some((p) => p.name === "corpus") ? "corpus" : state.corpus;
}

function renderControls(state) {
  const s = state.settings;
  if (presets) $("preset").value = presetOf(state);
  $("arch").value = s.arch;
  $("loss").value = s.loss;
  $("dim").value = String(s.dim);
  $("window").value = String(s.window);
  if (document.activeElement !== $("alpha")) $("alpha").value = String(s.alpha);
}

function presetTitle(state) {
  const preset = presets?.presets.find((p) => p.name === presetOf(state));
  return preset ? preset.title : state.corpus;
}

// The state.

function render(state) {
  const s = state.settings;
  const last = state.last;
  renderControls(state);
  $("info").textContent =
    `${presetTitle(state)} · V = ${state.words.length} words · N = ${s.dim} · ` +
    `${ARCH_NAMES[s.arch]}, ${LOSS_NAMES[s.loss]} · ${state.examples} examples an epoch`;
  $("steps").textContent = String(state.done);
  $("epoch").textContent = String(state.epoch);
  $("last-loss").textContent = last ? fmt(last.loss, 4) : "–";
  document.title = `step ${state.done} · w2v teach`;
  renderExample(state);
  renderNetwork(state);
  renderEquations(state);
  renderHeatmap($("w-heatmap"), "w", state.W, state.words, rowsOf(last?.delta_W), last?.delta_W, {
    prefix: "v",
    tags: last ? Object.fromEntries(last.input_rows.map((r) => [r, "w_I"])) : {},
  });
  const tags = {};
  if (last) {
    last.outputs.forEach((o, k) => {
      if (s.loss === "hs") tags[o.row] = `node ${k + 1}`;
      else tags[o.row] = o.row === last.target_row ? "w_O" : s.loss === "ns" ? "noise" : "";
    });
  }
  renderHeatmap(
    $("wout-heatmap"),
    "wout",
    state.W_out,
    state.output_labels,
    rowsOf(last?.delta_W_out),
    last?.delta_W_out,
    { prefix: "v′", tags },
  );
  $("w-shape").textContent = `${state.words.length} × ${s.dim}`;
  $("wout-hint").replaceChildren(
    s.loss === "hs"
      ? formula("rows v'_j of the V − 1 = @ inner nodes of the Huffman tree, ", String(state.W_out.length))
      : formula("output vectors v'_j, "),
    `${state.W_out.length} × ${s.dim}`,
  );
  renderMap(state);
}

function rowsOf(delta) {
  return new Set(Object.keys(delta || {}).map(Number));
}

function sentenceWords(state, example, highlight) {
  const words = state.sentences[example.sentence];
  const window = state.settings.window;
  let inputPositions = [];
  if (highlight) {
    const near = words
      .map((word, p) => p)
      .filter((p) => p !== example.position && Math.abs(p - example.position) <= window);
    inputPositions =
      example.input_rows.length > 1
        ? near // CBOW: the whole window
        : [near.find((p) => words[p] === example.inputs[0])]; // skip-gram: one of them
  }
  return words.map((word, p) => {
    const role = p === example.position ? "target" : inputPositions.includes(p) ? "context" : "";
    return el("span", { class: `token ${role}`.trim() }, word);
  });
}

function renderExample(state) {
  const last = state.last;
  const next = state.next;
  const describe = (example) =>
    `sentence ${example.sentence + 1} of ${state.sentences.length}, word ${example.position + 1}`;
  if (!last) {
    $("model-name").textContent = "";
    $("example").replaceChildren(
      el("p", { class: "hint" }, "Nothing trained yet: Next trains the first example below, " +
        "and this page shows what the kernel computed for it."),
    );
    $("sentence").replaceChildren();
  } else {
    const C = last.inputs.length;
    $("model-name").textContent =
      last.model === "CBOW" ? `CBOW, C = ${C}` : last.model === "skip-gram" ? "skip-gram, one output" : last.model;
    $("example").replaceChildren(
      el("span", { class: "role" }, formula("w_I")),
      el("span", { class: "word input", testid: "last-inputs" }, last.inputs.join(" ")),
      el("span", { class: "arrow" }, "→"),
      el("span", { class: "role" }, formula("w_O")),
      el("span", { class: "word target", testid: "last-target" }, last.target),
    );
    $("sentence").replaceChildren(
      el("span", { class: "where" }, `${describe(last)}:`),
      ...sentenceWords(state, last, true),
    );
  }
  $("next-example").replaceChildren(
    el("span", { class: "where" }, last ? "next:" : "first:"),
    el("span", { class: "word input" }, next.inputs.join(" ")),
    " → ",
    el("span", { class: "word target" }, next.target),
    el("span", { class: "where" }, ` (${describe(next)}${state.done && state.done % state.examples === 0 ? ", a new epoch" : ""})`),
  );
}

function renderNetwork(state) {
  const last = state.last;
  const s = state.settings;
  const example = last || state.next;
  $("net-inputs").replaceChildren(
    ...example.inputs.map((word, k) =>
      el(
        "span",
        { class: "chip", testid: "net-input" },
        el("span", { class: "word" }, word),
        el("span", { class: "hint" }, formula(` x_{${example.input_rows[k] + 1}} = 1`)),
      ),
    ),
  );
  const C = example.inputs.length;
  $("h-formula").replaceChildren(
    C > 1
      ? formula("= (1/C)·(v_{w_1} + … + v_{w_C}), the average of the C = @ input vectors", String(C))
      : formula("= W^T x = v_{w_I}, the input vector of @", example.inputs[0]),
  );
  if (!last) {
    $("net-h").replaceChildren(el("span", { class: "hint" }, "(after the first step)"));
    $("net-outputs").replaceChildren();
    $("output-hint").textContent = "";
    $("network-hint").textContent = "";
    return;
  }
  const hScale = Math.max(...last.h.map(Math.abs), 1e-12);
  $("net-h").replaceChildren(
    ...last.h.map((x, i) => {
      const cell = el("span", { class: "cell", testid: "h-cell", title: `h[${i + 1}] = ${x}` }, fmt(x, 3));
      cell.style.background = heat(x, hScale); // CSSOM: allowed by the CSP
      cell.style.color = inkOn(x, hScale);
      return cell;
    }),
  );
  const hint = {
    softmax: formula("all V = @ words: y_j = exp(u_j) / Σ_{j'} exp(u_{j'})", String(state.words.length)),
    hs: formula(
      "the L(w_O) − 1 = @ inner nodes on the path from the root to @: y_j = σ(u_j)",
      String(last.outputs.length),
      last.target,
    ),
    ns: formula(
      "w_O and K = @ noise words drawn from P_n(w) ∝ count^{3/4}: y_j = σ(u_j)",
      String(last.negatives.length),
    ),
  }[s.loss];
  $("output-hint").replaceChildren(hint);
  $("network-hint").replaceChildren(formula("u_j = v'_j·h"));
  $("net-outputs").replaceChildren(
    ...last.outputs.map((o) => {
      const isTarget = s.loss === "hs" ? false : o.row === last.target_row;
      const row = el("tr", {
        class: isTarget ? "target" : "",
        testid: "output-row",
        "data-row": String(o.row),
        "data-label": o.label,
      });
      const label = el("td", { class: "label", testid: "out-label" }, el("span", { class: "word" }, o.label));
      if (isTarget) label.append(el("span", { class: "tag" }, formula("w_O")));
      else if (s.loss === "ns") label.append(el("span", { class: "tag" }, "noise"));
      const u = el("td", { testid: "out-u", title: `u = ${o.u}` }, fmt(o.u, 4));
      u.classList.add(o.u < 0 ? "negative" : "positive");
      const bar = el("span", { class: "ybar" }, el("span"));
      bar.firstChild.style.width = `${100 * o.y}%`;
      const y = el("td", { class: "y", title: `y = ${o.y}` }, bar, el("span", { testid: "out-y" }, fmt(o.y, 4)));
      const t = el("td", { testid: "out-t" }, String(o.t));
      const e = el("td", { class: "e", testid: "out-e", title: `e = ${o.e}` }, fmt(o.e, 4));
      e.style.background = heat(o.e, 1);
      e.style.color = inkOn(o.e, 1);
      row.append(label, u, y, t, e);
      return row;
    }),
  );
}

// The equations of the update, each beside the numbers of the last example.
function renderEquations(state) {
  const last = state.last;
  const s = state.settings;
  const list = $("equations");
  const items = [];
  const item = (testid, eq, ...numbers) =>
    items.push(
      el(
        "li",
        { testid },
        el("span", { class: "eq" }, eq),
        el("span", { class: "numbers" }, ...numbers),
      ),
    );
  const example = last || state.next;
  const C = example.inputs.length;
  const eta = last ? last.alpha : s.alpha;
  const etaNum = el("span", { class: "num", testid: "eq-eta" }, String(eta));

  // 1. the hidden layer
  if (C > 1) {
    const sum = [];
    example.inputs.forEach((word, k) => sum.push(k ? " + v_@" : "v_@"));
    item("equation-h", formula("h = (1/C)·Σ_{c=1}^{C} v_{w_c}"), formula(`C = ${C}: h = (1/${C})·(${sum.join("")})`, ...example.inputs));
  } else {
    item("equation-h", formula("h = W^T x = v_{w_I}"), formula("h = v_@", example.inputs[0]));
  }
  // 2. scores and predictions
  const target = example.target;
  if (s.loss === "softmax") {
    item(
      "equation-y",
      formula("u_j = v'_j·h,  y_j = exp(u_j) / Σ_{j'=1}^{V} exp(u_{j'})"),
      last
        ? formula("y_{w_O} = p(@ | w_I) = @", target, num(outputOf(last).y, 4))
        : formula("for each of the V = @ words", String(state.words.length)),
    );
    item(
      "equation-loss",
      formula("E = −log p(w_O | w_I) = −u_{j^*} + log Σ_{j'} exp(u_{j'})"),
      last ? formula("E = @", num(last.loss, 4)) : "",
    );
  } else if (s.loss === "hs") {
    item(
      "equation-y",
      formula("u_j = v'_j·h,  y_j = σ(u_j) = 1 / (1 + exp(−u_j))"),
      formula("for each inner node j on the path to w_O; t_j = 1 − code_j, 1 where the path turns to the side coded 0"),
    );
    item(
      "equation-loss",
      formula("E = −Σ_{j=1}^{L(w_O)−1} log σ([[·]] u_j),  [[·]] = 2t_j − 1"),
      last ? formula("E = @", num(last.loss, 4)) : "",
    );
  } else {
    item(
      "equation-y",
      formula("u_j = v'_j·h,  y_j = σ(u_j) = 1 / (1 + exp(−u_j))"),
      last && last.negatives.length
        ? formula("noise words W_{neg}: @", wordList(last.negatives))
        : formula("for w_O and the K noise words W_{neg}"),
    );
    item(
      "equation-loss",
      formula("E = −log σ(v'_{w_O}·h) − Σ_{w_j ∈ W_{neg}} log σ(−v'_{w_j}·h)"),
      last ? formula("E = @", num(last.loss, 4)) : "",
    );
  }
  // 3. the error
  if (!last) {
    item("equation-e", formula("e_j = y_j − t_j"), "");
  } else if (s.loss === "hs") {
    const errors = el("span", { class: "list", testid: "eq-e-path" });
    last.outputs.forEach((o, k) => {
      if (k) errors.append(", ");
      errors.append(formula("e_{@} = @", o.label, num(o.e, 4)));
    });
    item("equation-e", formula("e_j = y_j − t_j"), errors);
  } else {
    const o = outputOf(last);
    item(
      "equation-e",
      formula("e_j = y_j − t_j"),
      formula("e_{w_O} = @ − 1 = @", num(o.y, 4), num(o.e, 4, "eq-e-target")),
    );
  }
  // 4. the output vectors
  const moved = last ? Object.keys(last.delta_W_out).length : 0;
  const outputUpdate = {
    softmax: formula("v'_j ← v'_j − η·e_j·h,  for j = 1, 2, …, V"),
    hs: formula("v'_j ← v'_j − η·(σ(v'_j·h) − t_j)·h,  for j = 1, …, L(w_O) − 1"),
    ns: formula("v'_{w_j} ← v'_{w_j} − η·(σ(v'_{w_j}·h) − t_j)·h,  for w_j ∈ {w_O} ∪ W_{neg}"),
  }[s.loss];
  if (last && s.loss !== "hs") {
    const o = outputOf(last);
    const delta = last.delta_W_out[String(o.row)];
    item(
      "equation-out",
      outputUpdate,
      formula("η = @: @ rows of W' move; v'_@ by −η·e·h = @", etaNum, String(moved), target, vectorText(delta || last.h.map(() => 0), 4)),
    );
  } else {
    item("equation-out", outputUpdate, last ? formula("η = @: @ rows of W' move", etaNum, String(moved)) : formula("η = @", etaNum));
  }
  // 5. EH, and the input vectors
  const eh = last ? norm(last.EH) : 0;
  item(
    "equation-eh",
    formula("EH = Σ_j e_j·v'_j,  with the v'_j before their update"),
    last ? formula("|EH| = @", num(eh, 5, "eq-eh")) : "",
  );
  const inputUpdate =
    C > 1
      ? formula("v_{w_{I,c}} ← v_{w_{I,c}} − η·EH,  for c = 1, 2, …, C")
      : formula("v_{w_I} ← v_{w_I} − η·EH");
  let inputNumbers = "";
  if (last && Object.keys(last.delta_W).length === 0) {
    inputNumbers = formula("EH = 0 (the rows of W' it sums are all 0): W does not move yet");
  } else if (last) {
    inputNumbers = formula(
      `${C > 1 ? "each of " : ""}@ moves by |η·EH| = @`,
      wordList(last.inputs),
      num(eta * eh, 5),
    );
  }
  item("equation-in", inputUpdate, inputNumbers);
  list.replaceChildren(...items);
  renderNote(state, example, C);
}

function outputOf(last) {
  return last.outputs.find((o) => o.row === last.target_row);
}

function renderNote(state, example, C) {
  const s = state.settings;
  const model = state.last ? state.last.model : C > 1 ? "CBOW" : s.arch === "cbow" ? "one-word context" : "skip-gram";
  const notes = {
    CBOW:
      "CBOW: h is the average of the C context vectors; word2vec, as this kernel, adds −η·EH " +
      "to each context vector (the paper divides by C).",
    "skip-gram":
      "Skip-gram: this example is one of the C outputs: word2vec applies each output's update " +
      "in turn, the paper sums EI over the C outputs. word2vec pairs each context word's input " +
      "vector with the centre word's output vector: the paper's pairs (centre in, context " +
      "out), turned round.",
    "one-word context":
      "One-word context (section 1 of the paper): a context of C = 1 word, h is its input " +
      "vector.",
  };
  $("note").textContent =
    `${notes[model]} The learning rate η is held where it is set (word2vec lowers it as it goes).`;
}

// W and W′ as heatmaps: a row per word (or node), a column per dimension; the rows the last
// step changed outlined; each value on hover.
function renderHeatmap(container, kind, matrix, labels, touched, delta, { prefix, tags }) {
  const dim = matrix[0]?.length || 0;
  const scale = Math.max(1e-12, ...matrix.flat().map(Math.abs));
  const columns = `minmax(4.5em, 7.5em) repeat(${dim}, minmax(0, 1fr))`;
  const head = el(
    "div",
    { class: "hrow head" },
    el("span", { class: "hlabel", title: "the colour scale: the largest |value|" }, fmtScale(scale)),
  );
  head.style.gridTemplateColumns = columns;
  for (let i = 0; i < dim; i++) head.append(el("span", { class: "index" }, String(i + 1)));
  const rows = matrix.map((values, r) => {
    const row = el("div", {
      class: `hrow${touched.has(r) ? " touched" : ""}`,
      testid: `${kind}-row`,
      "data-row": String(r),
      "data-label": labels[r],
    });
    row.style.gridTemplateColumns = columns;
    const label = el("span", { class: "hlabel", title: labels[r] }, el("span", { class: "word" }, labels[r]));
    if (tags[r]) label.append(el("span", { class: "tag" }, formula(tags[r])));
    row.append(label);
    const change = delta?.[String(r)];
    values.forEach((x, i) => {
      const title = `${prefix}_${labels[r]}[${i + 1}] = ${fmt(x, 6)}` +
        (change ? ` (changed by ${fmt(change[i], 6)})` : "");
      const cell = el("span", { class: "cell", testid: `${kind}-cell`, "data-col": String(i), title });
      cell.style.background = heat(x, scale);
      row.append(cell);
    });
    return row;
  });
  container.replaceChildren(head, ...rows);
}

function fmtScale(scale) {
  return scale < 1e-9 ? "all 0" : `±${fmt(scale, 2)}`;
}

// The map: the input vectors v_w (filled) and the output vectors v′_w (hollow), by PCA of
// both together, one scale for both axes; an arrow from where each row the last step
// changed was before it, on the same axes.
function renderMap(state) {
  const svg = $("map");
  const map = state.map;
  const last = state.last;
  const { width, height, margin, labelRoom } = MAP;
  const all = [...map.inputs, ...map.outputs, ...(map.inputs_before || []), ...(map.outputs_before || [])];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min(
    (width - 2 * margin - labelRoom) / (maxX - minX || 1),
    (height - 2 * margin) / (maxY - minY || 1),
  );
  const offsetX = (width - labelRoom - scale * (maxX - minX)) / 2;
  const offsetY = (height - scale * (maxY - minY)) / 2;
  const place = ([x, y]) => [offsetX + scale * (x - minX), height - offsetY - scale * (y - minY)];

  const defs = svgElement("defs");
  for (const kind of ["input", "output"]) {
    const marker = svgElement("marker", {
      id: `arrow-${kind}`,
      viewBox: "0 0 10 10",
      refX: "9",
      refY: "5",
      markerWidth: "7",
      markerHeight: "7",
      orient: "auto-start-reverse",
    });
    marker.append(svgElement("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `head ${kind}` }));
    defs.append(marker);
  }
  const arrows = svgElement("g", { class: "arrows" });
  const points = svgElement("g", { class: "points" });
  svg.replaceChildren(defs, arrows, points);
  const labels = [];
  const layers = [
    ["input", map.inputs, map.inputs_before, state.words, rowsOf(last?.delta_W), (w) => w],
    ["output", map.outputs, map.outputs_before, state.output_labels, rowsOf(last?.delta_W_out),
      (w) => (state.settings.loss === "hs" ? w : `${w}′`)],
  ];
  for (const [kind, now, before, names, moved, name] of layers) {
    now.forEach((point, r) => {
      const [x, y] = place(point);
      if (before && moved.has(r)) {
        const [x0, y0] = place(before[r]);
        arrows.append(
          svgElement("line", {
            class: `arrow ${kind}`,
            "data-testid": "map-arrow",
            "data-kind": kind,
            x1: x0.toFixed(1), y1: y0.toFixed(1), x2: x.toFixed(1), y2: y.toFixed(1),
            "marker-end": `url(#arrow-${kind})`,
          }),
        );
      }
      const group = svgElement("g", { class: `point ${kind}${moved.has(r) && before ? " moved" : ""}` });
      const title = svgElement("title");
      title.textContent = `${kind === "input" ? "v" : "v′"}_${names[r]}  (${fmt(point[0], 3)}, ${fmt(point[1], 3)})`;
      const circle = svgElement("circle", {
        cx: x.toFixed(1), cy: y.toFixed(1), r: kind === "input" ? 4.5 : 4,
        "data-testid": kind === "input" ? "map-input" : "map-output",
      });
      const label = svgElement("text", { x: (x + 7).toFixed(1), y: (y + 4).toFixed(1), "data-testid": "map-label" });
      label.textContent = name(names[r]);
      group.append(title, circle, label);
      points.append(group);
      labels.push({ label });
    });
  }
  spreadLabels(labels, 1);
  $("map-axes").textContent = map.variance
    .map((share, i) => `PC${i + 1} ${Math.round(100 * share)}%`)
    .join(" · ");
}

// Start.

async function start() {
  fillSelect($("dim"), DIMS.map((d) => [d, d]));
  fillSelect($("window"), WINDOWS.map((w) => [w, w]));
  $("next").addEventListener("click", () => step(1));
  for (const button of document.querySelectorAll("button[data-steps]")) {
    button.addEventListener("click", () => step(Number(button.dataset.steps)));
  }
  $("restart").addEventListener("click", restart);
  for (const name of ["preset", "arch", "loss", "dim", "window"]) $(name).addEventListener("change", restart);
  $("alpha").addEventListener("change", setAlpha);
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault(); // Enter in the η box
    setAlpha();
  });
  try {
    presets = await api("presets");
  } catch (error) {
    setStatus($("status"), error.message);
    return;
  }
  fillSelect($("preset"), presets.presets.map((p) => [p.name, p.title]));
  fillSelect($("arch"), presets.archs.map((a) => [a, ARCH_NAMES[a] || a]));
  fillSelect($("loss"), presets.losses.map((l) => [l, LOSS_NAMES[l] || l]));
  ask("state");
}

start();
