// The page of `w2v serve`, after common.js (the helpers it shares with w2v teach's page):
// plain JavaScript, no build step, nothing from another origin (the server's
// Content-Security-Policy allows its own files only).
// Words are data: they reach the page as JSON strings and go into it as text
// (textContent, SVG text nodes), never as HTML.
"use strict";

const NEIGHBOURS = 15; // in the list and on the map
const COMPLETIONS = 10;
const MAP = { width: 560, height: 500, margin: 30 }; // the SVG's viewBox

// The URL's hash holds the word shown (#word=paris): links to words are plain links,
// the browser's history goes back through them, and a URL shows the same page again.
function wordHref(word) {
  return "#" + new URLSearchParams({ word });
}

function hashWord() {
  return new URLSearchParams(location.hash.slice(1)).get("word");
}

function go(word) {
  word = word.trim();
  if (!word) return;
  if (hashWord() === word) show(word);
  else location.hash = wordHref(word);
}

function formatScore(score) {
  return score.toFixed(3);
}

// Completion of a text box from /api/complete: ArrowUp / ArrowDown move, Enter or a click
// picks, Escape closes. Enter with nothing highlighted picks the text typed if it is a
// word, else the first completion.
function attachCompletion(input, onPick) {
  const list = document.createElement("ul");
  list.className = "completions";
  list.id = `${input.id}-completions`;
  list.dataset.testid = `${input.id}-completions`;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.after(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  let words = [];
  let active = -1;
  let asked = 0; // the latest request: an older answer arriving later is dropped

  function close() {
    asked++; // an answer still on its way opens nothing
    list.hidden = true;
    words = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("li").forEach((item, i) => {
      item.classList.toggle("active", i === index);
      item.setAttribute("aria-selected", String(i === index));
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${index}`);
  }

  function pick(word) {
    input.value = word;
    close();
    onPick(word);
  }

  function render(found) {
    words = found;
    active = -1;
    list.replaceChildren(
      ...found.map((word, i) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${i}`;
        item.dataset.testid = "completion";
        item.setAttribute("role", "option");
        item.textContent = word;
        // mousedown, not click: before the text box loses focus and closes the list
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(word);
        });
        return item;
      }),
    );
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
  }

  input.addEventListener("input", async () => {
    const prefix = input.value.trim();
    const request = ++asked;
    if (!prefix) return close();
    try {
      const answer = await api("complete", { prefix, k: COMPLETIONS });
      if (request === asked) render(answer.words);
    } catch {
      if (request === asked) close();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      // -1 is the text typed: past either end of the list, back to it
      const step = event.key === "ArrowDown" ? 1 : -1;
      const positions = words.length + 1;
      highlight(((active + 1 + step + positions) % positions) - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const typed = input.value.trim();
      pick(active >= 0 ? words[active] : words.includes(typed) ? typed : words[0]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", close);
  input.form?.addEventListener("submit", close);
}

// The word shown: its neighbours and its map.

let shown = 0; // the latest word asked for: answers for an earlier one are dropped

async function show(word) {
  const request = ++shown;
  $("search").value = word;
  let near, map;
  try {
    [near, map] = await Promise.all([
      api("nearest", { word, k: NEIGHBOURS }),
      api("map", { word, k: NEIGHBOURS, method: $("map-method").value }),
    ]);
  } catch (error) {
    if (request === shown) setStatus($("status"), error.message);
    return;
  }
  if (request !== shown) return;
  setStatus($("status"), "");
  $("empty").hidden = true;
  document.title = `${word} · w2v`;
  $("current-word").textContent = word;
  renderNeighbours($("neighbours"), near.neighbours, "neighbour");
  drawMap($("map"), map);
  const axes = map.axes.filter((axis) => axis).map((axis) => axis.replace(/ of the variance/, ""));
  $("map-axes").textContent = map.method === "tsne" ? "t-SNE" : axes.join(" · ");
  if (!$("similarity-a").value) $("similarity-a").value = word;
}

function renderNeighbours(list, neighbours, testid) {
  list.replaceChildren(
    ...neighbours.map(({ word, score }) => {
      const item = document.createElement("li");
      item.dataset.testid = testid;
      const link = document.createElement("a");
      link.href = wordHref(word);
      link.className = "word";
      link.dataset.testid = `${testid}-word`;
      link.textContent = word;
      const value = document.createElement("span");
      value.className = "score";
      value.dataset.testid = `${testid}-score`;
      value.textContent = formatScore(score);
      item.append(link, bar(score), value);
      return item;
    }),
  );
}

function bar(score) {
  const outer = document.createElement("span");
  outer.className = "bar";
  const inner = document.createElement("span");
  inner.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`; // CSSOM: allowed by the CSP
  outer.append(inner);
  return outer;
}

// The word and its neighbours at their PCA coordinates, one scale for both axes (so
// distances on the screen are distances in the projection); the word's own point is the
// first. Labels that would overlap are moved apart vertically.
function drawMap(svg, map) {
  const { width, height, margin } = MAP;
  const xs = map.points.map((p) => p.x);
  const ys = map.points.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min(
    (width - 2 * margin - 80) / (maxX - minX || 1), // room for the labels on the right
    (height - 2 * margin) / (maxY - minY || 1),
  );
  const offsetX = (width - 80 - scale * (maxX - minX)) / 2;
  const offsetY = (height - scale * (maxY - minY)) / 2;
  const place = (p) => [offsetX + scale * (p.x - minX), height - offsetY - scale * (p.y - minY)];

  svg.replaceChildren();
  const lines = svgElement("g", { class: "links" });
  const points = svgElement("g", { class: "points" });
  svg.append(lines, points);
  const [cx, cy] = place(map.points[0]);
  const labels = [];
  map.points.forEach((point, i) => {
    const [x, y] = place(point);
    const current = i === 0;
    const group = current
      ? svgElement("g", { class: "point current" })
      : svgElement("a", { class: "point", href: wordHref(point.word) });
    group.dataset.testid = current ? "map-current" : "map-neighbour";
    const title = svgElement("title", {});
    title.textContent = current ? point.word : `${point.word}  ${formatScore(point.score)}`;
    const circle = svgElement("circle", {
      cx: x.toFixed(1),
      cy: y.toFixed(1),
      r: current ? 7 : 4.5,
      "fill-opacity": current ? 1 : (0.35 + 0.65 * Math.max(0, point.score)).toFixed(2),
    });
    circle.dataset.testid = "map-point";
    const label = svgElement("text", { x: (x + (current ? 10 : 7)).toFixed(1), y: (y + 4).toFixed(1) });
    label.dataset.testid = "map-label";
    label.textContent = point.word;
    group.append(title, circle, label);
    points.append(group);
    labels.push({ label, x, y });
    if (!current) {
      lines.append(
        svgElement("line", {
          x1: cx.toFixed(1), y1: cy.toFixed(1), x2: x.toFixed(1), y2: y.toFixed(1),
          "stroke-opacity": (0.08 + 0.3 * Math.max(0, point.score)).toFixed(2),
        }),
      );
    }
  });
  spreadLabels(labels);
}

// The forms.

async function solveAnalogy(event) {
  event.preventDefault();
  const [a, b, c] = ["a", "b", "c"].map((name) => $(`analogy-${name}`).value.trim());
  const status = $("analogy-status");
  if (!a || !b || !c) return setStatus(status, "give three words");
  try {
    const answer = await api("analogy", { a, b, c, k: 10 });
    setStatus(status, "");
    renderNeighbours($("analogy-answers"), answer.answers, "analogy-answer");
  } catch (error) {
    setStatus(status, error.message);
    $("analogy-answers").replaceChildren();
  }
}

async function compare(event) {
  event.preventDefault();
  const [a, b] = ["a", "b"].map((name) => $(`similarity-${name}`).value.trim());
  const readout = $("similarity-result");
  readout.classList.remove("error");
  if (!a || !b) return (readout.textContent = "give two words");
  try {
    const answer = await api("similarity", { a, b });
    readout.replaceChildren(bar(answer.score), formatScore(answer.score));
  } catch (error) {
    readout.classList.add("error");
    readout.textContent = error.message;
  }
}

async function start() {
  attachCompletion($("search"), go);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go($("search").value);
  });
  const order = ["analogy-a", "analogy-b", "analogy-c", "similarity-a", "similarity-b"];
  for (const id of order) {
    // a word picked: on to the next box of the form
    attachCompletion($(id), () => {
      const next = $(order[order.indexOf(id) + 1]);
      if (next && next.form === $(id).form) next.focus();
    });
  }
  $("analogy-form").addEventListener("submit", solveAnalogy);
  $("similarity-form").addEventListener("submit", compare);
  $("map-method").addEventListener("change", () => {
    const word = hashWord();
    if (word) show(word);
  });
  window.addEventListener("hashchange", () => {
    const word = hashWord();
    if (word) show(word);
  });
  try {
    const info = await api("info", {});
    $("info").textContent =
      `${info.file} · ${info.words.toLocaleString("en")} words · ${info.dim} dimensions`;
    // t-SNE offered only where the server has scikit-learn
    $("map-method").hidden = !info.methods.includes("tsne");
  } catch (error) {
    $("info").textContent = error.message;
  }
  const word = hashWord();
  if (word) show(word);
}

start();
