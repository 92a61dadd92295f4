// What the pages of `w2v serve` (app.js) and `w2v teach` (teach.js) share, loaded before
// either page's own script (a plain script: what it declares, the page's script sees).
// Plain JavaScript, no build step, nothing from another origin. Words are data: they reach
// the page as JSON strings and go into it as text, never as HTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);

// The JSON answer of /api/ENDPOINT?params; an error answer is thrown, with its message.
async function api(endpoint, params = {}) {
  const response = await fetch(`/api/${endpoint}?${new URLSearchParams(params)}`);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

// A message in `element`, shown; no message, the element hidden.
function setStatus(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

function svgElement(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

// A map's labels ({ label }: SVG text elements) that would overlap are moved apart
// vertically, the upper one up and the lower one down (of two at the same height, the
// first up); `gap` is the room kept free on either side of a label.
function spreadLabels(labels, gap = 2) {
  const boxes = labels.map(({ label }) => {
    const box = label.getBBox();
    return { label, x0: box.x - gap, x1: box.x + box.width + gap, y: box.y, h: box.height, dy: 0 };
  });
  for (let round = 0; round < 40; round++) {
    let moved = false;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.x1 < b.x0 || b.x1 < a.x0) continue;
        const overlap = Math.min(a.y + a.dy + a.h, b.y + b.dy + b.h) - Math.max(a.y + a.dy, b.y + b.dy);
        if (overlap <= 0) continue;
        const push = overlap / 2 + 0.5;
        const aAbove = a.y + a.dy <= b.y + b.dy;
        a.dy += aAbove ? -push : push;
        b.dy += aAbove ? push : -push;
        moved = true;
      }
    }
    if (!moved) break;
  }
  for (const box of boxes) {
    if (box.dy) box.label.setAttribute("y", (Number(box.label.getAttribute("y")) + box.dy).toFixed(1));
  }
}
