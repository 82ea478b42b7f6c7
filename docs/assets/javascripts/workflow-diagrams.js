/* Prompt Pages: the workflow diagrams, drawn readable.
 *
 * The local Mermaid draws every div.mermaid (Material's own Mermaid support handles only
 * pre.mermaid). Left to itself it shrinks a diagram to the column: on a phone its labels
 * end up a few pixels high. Here each diagram is drawn at its own size and shrunk at most
 * to MIN_SCALE, so that labels (drawn at 15px) stay at 12px or more; a diagram wider than its
 * column scrolls sideways inside its box. Colours come from workflow.css, for the light and
 * the dark palette alike, so a palette switch needs no redraw.
 *
 * A diagram is drawn left to right; when that does not fit its column at MIN_SCALE (a phone), it
 * is drawn again top down in one column (downward, oneColumn), and the narrower of the two is kept. Mermaid itself is
 * fetched only when a diagram nears the screen (start): this script is the only one a page with
 * a diagram adds (overrides/main.html), with Mermaid's address in its data-mermaid attribute.
 *
 * A node of a recommended model or of a technique leads to its entry in the References: the
 * legend under the diagram lists the pairs (data-targets="m1=model-1 t1=paper-2"). Selecting
 * the node (click, or Enter/Space when focused) scrolls to the entry and highlights it. The
 * diagram itself gets no link and no Mermaid `click`: Mermaid stays at securityLevel "strict"
 * (mermaid-strict.js), and the page's address does not change.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var mermaid = null;
  var MIN_SCALE = 0.82; // 15px labels drawn at 12.3px at least
  // In one column on a narrow screen: labels wrapped at 120px, nodes and rows closer.
  var NARROW = '%%{init: {"flowchart": {"wrappingWidth": 120, "nodeSpacing": 12, "rankSpacing": 30}}}%%\n';
  // The nodes' classes (generator/steps/workflow.py names them: `m1[...]:::model`), the same on every
  // page: defined here once rather than at the end of every diagram's text.
  var CLASSES = [
    "classDef input stroke-width:2px",
    "classDef output stroke-width:2px",
    "classDef mismatch stroke-dasharray:5 4",
    "classDef uncertain stroke-dasharray:2 3",
    "classDef gap stroke-dasharray:5 4",
    "classDef technique stroke-dasharray:2 2",
    "classDef model stroke-width:1px",
    "classDef fuse stroke-width:1px"
  ].map(function (line) { return "\n    " + line; }).join("");

  // Fetched in turn, Mermaid first: mermaid-strict.js wraps its initialize before anyone calls it.
  function load(url) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement("script");
      element.src = url;
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  function loadMermaid() {
    return load(script.getAttribute("data-mermaid")).then(function () {
      return load(script.getAttribute("data-mermaid-strict"));
    }).then(function () {
      mermaid = window.mermaid;
      // mermaid-strict.js keeps securityLevel "strict" in this call too.
      mermaid.initialize({
        startOnLoad: false,
        theme: "base",
        themeVariables: { fontSize: "15px", fontFamily: "var(--md-text-font-family, sans-serif)" },
        flowchart: { useMaxWidth: false, htmlLabels: true, wrappingWidth: 140, nodeSpacing: 24, rankSpacing: 36 }
      });
    });
  }

  var sources = new Map();

  function naturalWidth(diagram) {
    var svg = diagram.querySelector("svg");
    return svg && svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0;
  }

  function fit(diagram) {
    var svg = diagram.querySelector("svg");
    var natural = naturalWidth(diagram);
    if (!natural) {
      return;
    }
    var room = diagram.clientWidth;
    var scale = Math.max(MIN_SCALE, Math.min(1, room / natural));
    svg.style.maxWidth = "none";
    svg.style.width = natural * scale + "px";
    svg.style.height = "auto";
    var scrolls = natural * scale > room + 1;
    diagram.classList.toggle("workflow-scrolls", scrolls);
    if (scrolls) {
      diagram.setAttribute("tabindex", "0"); // a box that scrolls can be scrolled with the keyboard
      diagram.setAttribute("role", "group"); // a plain div may not carry a name
      diagram.setAttribute("aria-label", "Workflow diagram, wider than the page: scroll sideways");
    } else {
      ["tabindex", "role", "aria-label"].forEach(function (name) {
        diagram.removeAttribute(name);
      });
    }
  }

  function targetsOf(diagram) {
    var targets = {};
    var legend = diagram.nextElementSibling;
    while (legend && !legend.classList.contains("workflow-legend")) {
      legend = legend.nextElementSibling;
    }
    if (!legend) {
      return targets;
    }
    (legend.getAttribute("data-targets") || "").split(/\s+/).forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2 && /^[a-z][a-z0-9]*$/.test(parts[0]) && /^[a-z]+-\d+$/.test(parts[1])) {
        targets[parts[0]] = parts[1];
      }
    });
    return targets;
  }

  function show(id) {
    var entry = document.getElementById(id);
    if (!entry) {
      return;
    }
    entry.scrollIntoView({ block: "start" });
    entry.setAttribute("tabindex", "-1");
    entry.focus({ preventScroll: true });
    entry.classList.remove("workflow-target");
    void entry.offsetWidth; // restart the highlight
    entry.classList.add("workflow-target");
  }

  // A node's words as drawn, its lines joined by a space ("ESRGAN Super-resolution"), so that its
  // accessible name starts with what a reader sees.
  function spoken(node) {
    var copy = node.cloneNode(true);
    copy.querySelectorAll("br").forEach(function (lineBreak) {
      lineBreak.replaceWith(" ");
    });
    return copy.textContent.trim().replace(/\s+/g, " ");
  }

  function lead(diagram) {
    var targets = targetsOf(diagram);
    diagram.querySelectorAll("svg g.node").forEach(function (node) {
      var match = /flowchart-([a-z][a-z0-9]*)-\d+$/.exec(node.id);
      var target = match && targets[match[1]];
      if (!target) {
        return;
      }
      var label = spoken(node);
      node.classList.add("workflow-leads");
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", label + ": show its entry in the References");
      node.addEventListener("click", function (event) {
        event.preventDefault();
        show(target);
      });
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          show(target);
        }
      });
    });
  }

  // A diagram's Mermaid source (generator/steps/workflow.py's): its node lines by id, in the order they
  // are declared, its edges, and its other lines (the header, the classes).
  function parse(source) {
    var graph = { ids: [], lines: {}, edges: [], rest: [] };
    source.split("\n").forEach(function (line) {
      var node = /^\s+([a-z][a-z0-9]*)[\[({]/.exec(line);
      var edge = /^\s+([a-z][a-z0-9]*) (-\.?->)(?:\|"([^"]*)"\|)? ([a-z][a-z0-9]*)\s*$/.exec(line);
      if (node) {
        graph.ids.push(node[1]);
        graph.lines[node[1]] = line;
      } else if (edge) {
        graph.edges.push({ from: edge[1], arrow: edge[2], label: edge[3] || "", to: edge[4] });
      } else {
        graph.rest.push(line);
      }
    });
    return graph;
  }

  // Ids in an order the data flows (each after every id with an edge to it), ties in the order
  // given.
  function flowOrder(ids, edges) {
    var order = [];
    var left = ids.slice();
    var ready = function (id) {
      return edges.every(function (edge) {
        return edge.to !== id || order.indexOf(edge.from) >= 0 || left.indexOf(edge.from) < 0;
      });
    };
    while (left.length) {
      var next = left.filter(ready)[0] || left[0];
      order.push(next);
      left.splice(left.indexOf(next), 1);
    }
    return order;
  }

  // A diagram for one column. Nodes that sit side by side across go into a box, one under the
  // other, with one line into the box and one out of it: the techniques (a line from their box to
  // the step they apply to) and the models run in parallel before a merge ("side by side"). The
  // label of a line that is left ("does not fit", "at run time") becomes its node's last line.
  // Then invisible links (`a ~~~ b`: no line, a place in the layout) hold one node or box a row,
  // in the order the data flows. Lines from several nodes to one step would run beside the
  // column, each pushing the next aside.
  function oneColumn(source) {
    var graph = parse(source);
    var boxes = {
      techniques: graph.ids.filter(function (id) { return /^t\d+$/.test(id); }),
      parallel: graph.edges.filter(function (edge) { return edge.to === "merge"; }).map(function (edge) { return edge.from; })
    };
    if (boxes.parallel.length < 2) {
      boxes.parallel = [];
    }
    boxes.aside = graph.edges.filter(function (edge) { return edge.label === "does not fit" || edge.label === "may not fit"; })
      .map(function (edge) { return edge.to; });
    var boxOf = function (id) {
      return Object.keys(boxes).filter(function (box) { return boxes[box].indexOf(id) >= 0; })[0] || id;
    };
    var said = {};
    var edges = [];
    graph.edges.forEach(function (edge) {
      var from = boxOf(edge.from);
      var to = from === "techniques" ? edge.to : boxOf(edge.to);  // a technique's step stays itself
      if (edge.label) {
        said[from === "techniques" ? edge.from : edge.to] = edge.label;
      }
      var line = { from: from, arrow: edge.arrow, to: to };
      if (!edges.some(function (known) { return known.from === from && known.to === to; })) {
        edges.push(line);
      }
    });
    var labelled = function (id) {
      var node = /^(\s+[a-z][a-z0-9]*.*)("[\])}\/]+:::[a-z]+)\s*$/.exec(graph.lines[id]);
      return node && said[id] ? node[1] + "<br/>(" + said[id] + ")" + node[2] : graph.lines[id];
    };
    var titles = { techniques: "Techniques", parallel: "Side by side", aside: "Kept aside" };
    var out = [graph.rest[0].replace(/^flowchart LR\b/, "flowchart TD")];
    graph.ids.filter(function (id) { return boxOf(id) === id; }).forEach(function (id) {
      out.push(labelled(id));
    });
    var rows = [];
    Object.keys(boxes).forEach(function (box) {
      if (!boxes[box].length) {
        return;
      }
      out.push("    subgraph " + box + ' ["' + titles[box] + '"]', "    direction TB");
      boxes[box].forEach(function (id) {
        out.push(labelled(id));
      });
      out.push("    end");
      rows.push(boxes[box]);
    });
    edges.forEach(function (edge) {
      out.push("    " + edge.from + " " + edge.arrow + " " + edge.to);
    });
    var column = flowOrder(graph.ids.map(boxOf).filter(function (id, index, all) { return all.indexOf(id) === index; }),
      edges.map(function (edge) { return { from: edge.from, to: boxOf(edge.to) }; }));
    // The techniques' box first, above the input: its line then runs beside the input and the first
    // steps, narrower than the box, rather than the line from the input beside the box. The models
    // kept aside last, below the output.
    var place = function (id) { return id === "techniques" ? 0 : id === "aside" ? 2 : 1; };
    column = column.map(function (id, index) { return [place(id), index, id]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }).map(function (item) { return item[2]; });
    // Down the column, the models' box is entered at its first node and left from its last: a
    // technique's line may reach a node inside it, and Mermaid then lays the box out with the rest.
    var first = function (id) { return id === "parallel" ? boxes[id][0] : id; };
    var last = function (id) { return id === "parallel" ? boxes[id][boxes[id].length - 1] : id; };
    [column].concat(rows).forEach(function (ids) {
      ids.slice(1).forEach(function (id, index) {
        out.push("    " + last(ids[index]) + " ~~~ " + first(id));
      });
    });
    return out.concat(graph.rest.slice(1)).join("\n");
  }

  // Draws a diagram again top down for a narrow screen: one node a row, in the order the data
  // flows, labels wrapped shorter (a phone's column holds one box of them with the lines beside
  // it). Keeps whichever drawing, across or down, is narrower.
  function downward(diagram) {
    var across = diagram.innerHTML;
    var width = naturalWidth(diagram);
    var source = sources.get(diagram);
    diagram.removeAttribute("data-processed");
    diagram.textContent = NARROW + oneColumn(source);
    return mermaid.run({ nodes: [diagram], suppressErrors: true }).then(function () {
      if (!(naturalWidth(diagram) < width)) {
        diagram.innerHTML = across;
      }
    });
  }

  function draw(diagrams) {
    diagrams.forEach(function (diagram) {
      diagram.textContent += CLASSES;
      sources.set(diagram, diagram.textContent);
    });
    return mermaid.run({ nodes: diagrams, suppressErrors: true }).then(function () {
      return Promise.all(diagrams.map(function (diagram) {
        var tooWide = naturalWidth(diagram) * MIN_SCALE > diagram.clientWidth;
        return tooWide && /^flowchart LR\b/.test(sources.get(diagram)) ? downward(diagram) : null;
      }));
    }).then(function () {
      diagrams.forEach(function (diagram) {
        fit(diagram);
        lead(diagram);
        diagram.classList.add("workflow-drawn");
      });
      window.addEventListener("resize", function () {
        diagrams.forEach(fit);
      });
    });
  }

  // Mermaid is fetched when a diagram comes near the screen (a screen's height away), not before:
  // a visitor who reads only the card at the top does not pay for it.
  function start() {
    var diagrams = Array.prototype.slice.call(document.querySelectorAll("div.mermaid"));
    if (!diagrams.length) {
      return;
    }
    var begin = function () {
      loadMermaid().then(function () {
        return draw(diagrams);
      });
    };
    if (!("IntersectionObserver" in window)) {
      begin();
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        begin();
      }
    }, { rootMargin: "100% 0px" });
    diagrams.forEach(function (diagram) {
      observer.observe(diagram);
    });
  }

  start();
})();
