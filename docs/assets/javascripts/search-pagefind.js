/* Prompt Pages: Pagefind behind Material's search box (the plugin's `search: pagefind`).
 *
 * Material (9.x) drives its search box through a worker: it sends {type: 0} with its index,
 * waits for {type: 1}, then sends each query as {type: 2, data: query} and draws the answer,
 * {type: 3, data: {items}}, in its own result list, with its keyboard shortcuts. Loaded before
 * Material's bundle (overrides/main.html), this script hands Material, in place of its worker,
 * an object that answers those messages from Pagefind's index (site/pagefind/, written by the
 * plugin: generator/plugin/pagefind_index.py). Pagefind loads only the chunks of the index a
 * query needs, and the data of the results shown; it searches in the page (noWorker). Material's
 * index (search/search_index.json) is written without its documents.
 *
 * - Each result is Material's: a page, with the sections that match folded under it, and what
 *   the page is (Task, Model, Paper, Prompt and a prompt's task: the page's tags, indexed as
 *   Pagefind metadata).
 * - Ranked by meaning, among the results whose data is loaded, in Pagefind's order within each
 *   step (see nearness): first a page whose whole title the query is, whatever the case, the
 *   punctuation and the endings of its words ("denoise" for Denoising); then a task's, a
 *   model's or a paper's page whose title holds the query's words as a reader reads the name
 *   ("face" is a word of FaceReplacement, not of HuggingFace or facebook); then a page the query
 *   names otherwise (a task's aliases and cues: "upscale" for Super-resolution; a model's
 *   repository); then a page whose title holds the query's words. Those other names are the
 *   pages' Pagefind metadata "names", which Pagefind also weighs above the title (metaWeights).
 * - Keeping up with typing (as search-latest.js does for Material's worker): a query typed while
 *   another is searched for waits, only the newest is searched for next, only the answer to the
 *   newest query is drawn, and a query typed on from the one before waits a moment for the
 *   next key (150 ms; 250 ms, and any query, when its last word has one or two characters): a
 *   word typed quickly loads only what its last prefix needs. A query pasted, or erased back to
 *   a shorter one, is searched for at once.
 * - Pagefind's script, its index's entry and its WebAssembly are loaded when the search box is
 *   focused, not with every page.
 * - A site of more pages than one Pagefind run indexes (the plugin's search_part_pages) has its
 *   index in parts: the first at pagefind/, the others in folders inside it that Material's index
 *   lists in its config ("pagefind_parts", handed here with Material's first message). Each part
 *   is merged in with Pagefind's mergeIndex before the first query, with the options of the first;
 *   Pagefind then searches every part and orders their results by score together.
 * - In a pull request's preview of what changed (generator/files/preview.py), the preview's
 *   index holds its own pages only; its pages' <meta name="prompt-pages-preview"> says where
 *   search/preview.json is, which says where the production site's index is (merged in with
 *   Pagefind's mergeIndex; its results lead to the production site) and which pages the preview
 *   holds: of those, only the preview's result is shown.
 */
(function () {
  "use strict";
  var Native = window.Worker;
  var script = document.currentScript && document.currentScript.src;
  if (typeof Native !== "function" || !script) {
    return;
  }
  var MATERIAL = /(?:^|\/)workers\/search\.[0-9a-f]+\.min\.js$/;
  var BUNDLE = new URL("../../pagefind/pagefind.js", script).href;
  // Under `mkdocs serve` (its live-reload script defines livereload), says "behind" while the
  // index is written again after an edit (generator/plugin/pagefind_index.py).
  var PENDING = new URL("../../search/pagefind-pending", script).href;
  var BEHIND = " (search is being updated after an edit: it may be a few seconds behind)";
  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
  var SHOWN = 20; // results whose data a query loads: Material draws 10, and 10 more on scrolling
  var HUBS = ["Task", "Model"]; // the kinds of page a query looks for apart (Pagefind's filter "kind")
  var HUBS_SHOWN = 3; // of each kind
  // How much Pagefind weighs a word found in a page's metadata: its title as by default, its
  // other names (a task's aliases and cues, a model's repositories) above it.
  var META_WEIGHTS = { title: 5, names: 20 };
  var SHORT = 3; // characters
  var SHORT_WAIT_MS = 250;
  // Any other query waits this long for the next key: the prefixes of a word typed quickly are
  // never searched for, so they load neither their index chunks nor their results' data.
  var TYPING_WAIT_MS = 150;
  // Pagefind searches in the page, not in a worker of its own: its worker's script (41 KB) was a
  // fifth of what a first query loaded, and a query here waits for a pause in the typing anyway.
  var OPTIONS = { noWorker: true, excerptLength: 24, ranking: { termSimilarity: 0, metaWeights: META_WEIGHTS } };
  // A merged index's options: the same but noWorker, which is Pagefind's as a whole (a merged
  // index told it logs "Unknown Pagefind option").
  var MERGED_OPTIONS = { excerptLength: OPTIONS.excerptLength, ranking: OPTIONS.ranking };
  var PREVIEW = document.querySelector('meta[name="prompt-pages-preview"]');
  var SEARCHING = "Searching every page…"; // while the hubs are shown and the rest is searched for
  var DRAWN_MS = 20; // long enough for Material to draw the hubs shown meanwhile
  var PARTS = "pagefind_parts"; // the key of Material's index's config that lists the other parts
  var parts = []; // this site's other parts (folders relative to its bundle), from Material's index
  var pagefind = null; // a promise of { module: Pagefind's, elsewhere: whether a result is shown from the other index }

  function load() {
    if (!pagefind) {
      pagefind = import(BUNDLE).then(function (module) {
        var own = function () {
          return module.options(Object.assign({ baseUrl: "/" }, OPTIONS)).then(function () {
            return mergeParts(module, BUNDLE, parts, "/");
          });
        };
        return own().then(function () {
          return PREVIEW ? merge(module).catch(function (error) {
            console.warn("search: the production site's index is not merged: " + error);
            return module.destroy().then(own).then(function () { return nowhere; });
          }) : nowhere;
        }).then(function (elsewhere) { return { module: module, elsewhere: elsewhere }; });
      });
    }
    return pagefind;
  }

  function nowhere() { return false; }

  // The parts of the index at `bundle` (a URL in it) in `folders` ("" for the bundle itself),
  // merged in one after another.
  function mergeParts(module, bundle, folders, baseUrl) {
    return folders.reduce(function (done, folder) {
      return done.then(function () {
        return module.mergeIndex(new URL(folder, bundle).href, Object.assign({ baseUrl: baseUrl }, MERGED_OPTIONS));
      });
    }, Promise.resolve());
  }

  // The folders of the other parts of the index of a site, from its Material index's config.
  function partsOf(index) {
    var listed = index && index.config && index.config[PARTS];
    return Array.isArray(listed) ? listed.filter(function (folder) { return typeof folder === "string"; }) : [];
  }

  // A preview's search: the production site's index merged in, whose results lead there; of a
  // page the preview holds, the production result is left out (it is the page before the change).
  function merge(module) {
    var described = new URL(PREVIEW.content, document.baseURI).href;
    return fetch(described).then(function (response) {
      if (!response.ok) throw new Error(described + ": " + response.status);
      return response.json();
    }).then(function (merged) {
      var held = {};
      merged.pages.forEach(function (page) { held[merged.production + page] = true; });
      var index = new URL(merged.index, described).href;
      // The production site's index, and its other parts: its Material index lists them (as
      // this site's does its own).
      return fetch(new URL("../search/search_index.json", index).href).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (production) {
        return mergeParts(module, index, [""].concat(partsOf(production)), merged.production);
      }).then(function () {
        return function (data) { return held[data.url] === true; };
      });
    });
  }

  // The data of the first `count` of `results` that are shown (in order), loading no more than
  // that many at a time: a result whose page the other index holds is not shown.
  function shown(results, count, elsewhere) {
    var out = [];
    var next = 0;
    function more() {
      if (out.length >= count || next >= results.length) return Promise.resolve(out);
      var batch = results.slice(next, next + count - out.length);
      next += batch.length;
      return Promise.all(batch.map(function (result) { return result.data(); })).then(function (data) {
        data.forEach(function (page) { if (!elsewhere(page)) out.push(page); });
        return more();
      });
    }
    return more();
  }

  function escaped(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Pagefind's excerpts are the page's text, escaped, with <mark> around the words found: kept
  // as such, and anything else in them shown as text.
  function excerpt(html) {
    return escaped(String(html || "").replace(/<\/?mark>/g, "\u0001").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&amp;/g, "&"))
      .replace(/\u0001([^\u0001]*)\u0001/g, "<mark>$1</mark>").replace(/\u0001/g, "");
  }

  function words(text) {
    return String(text).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  // Names a reader reads as one word, though their case changes inside (as ONE_WORD in
  // generator/plugin/pagefind_index.py): "face" is no word of "HuggingFace".
  var ONE_WORD = /(HuggingFace|GitHub|GitLab|YouTube|OpenAI|DeepMind|PyTorch|TensorFlow|ModelScope|PaddlePaddle|ONNXRuntime)/;
  var BOUNDARY = /(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/;

  // The words a reader sees in a name: "Txt2Img-StableDiffusionV1" is txt, 2, img, stable,
  // diffusion, v, 1; "ObjDet-HuggingFace-facebook" is obj, det, huggingface, facebook.
  function readWords(text) {
    var out = [];
    String(text).split(/[^\p{L}\p{N}]+/u).forEach(function (word) {
      word.split(ONE_WORD).forEach(function (part, i) {
        (i % 2 ? [part] : part.split(BOUNDARY)).forEach(function (piece) {
          if (piece) out.push(piece.toLowerCase());
        });
      });
    });
    return out;
  }

  // Endings by which a word is the same word: "denoise" and "denoising", "upscale" and
  // "upscaling", "snow" and "snowy", "deblur" and "deblurring"; not "face" and "facebook".
  var ENDINGS = ["", "e", "s", "es", "d", "ed", "ing", "er", "ers", "ion", "ions", "ation", "ations", "y", "ies"];
  function sameWord(asked, word) {
    if (asked === word) return true;
    var same = 0;
    while (same < asked.length && asked.charAt(same) === word.charAt(same)) same++;
    if (same < 3) return false;
    var ending = function (rest) {
      return ENDINGS.indexOf(rest) >= 0 || rest.charAt(0) === asked.charAt(same - 1) && ENDINGS.indexOf(rest.slice(1)) >= 0;
    };
    return ending(asked.slice(same)) && ending(word.slice(same));
  }

  // A text read two ways: its words as written ("txt2img", "stablediffusionv1") and as a reader
  // sees them in a name ("txt", "2", "img", "stable", "diffusion", "v", "1").
  function readings(text) {
    return [words(text), readWords(text)];
  }

  // Whether a name's words are the query's, in order, read either way: "denoise" names
  // Denoising; a name ending in "…" takes any ending ("upscal…", a cue of Super-resolution,
  // names "upscale").
  function names(asked, name) {
    var open = /…$/.test(name);
    return readings(name).some(function (named, way) {
      return asked[way].length === named.length && asked[way].every(function (word, i) {
        return sameWord(word, named[i]) || open && i === named.length - 1 && word.indexOf(named[i]) === 0;
      });
    });
  }

  // Whether every word of the query, read either way, is a word of the name read either way.
  function holds(asked, name) {
    var named = [].concat.apply([], readings(name));
    return asked.some(function (reading) {
      return reading.length > 0 && reading.every(function (word) {
        return named.some(function (other) { return sameWord(word, other); });
      });
    });
  }

  // How near a page is to the query, nearest first: 0, the query names it (its whole title);
  // 1, it is a task's page (or 1.5, a model's or a paper's) whose title holds the query's words
  // (at word boundaries, as a reader reads the name: "face" is in FaceReplacement, not in
  // HuggingFace or facebook), a quarter nearer when the query is another name of it too ("video
  // generation" for Text-to-video generation, not for Video-to-audio generation: Pagefind's
  // scores, which would order them, are each part's own when the index is in parts); 2, the query
  // is another name of it (a task's alias or cue, "upscale" for Super-resolution; a model's
  // repository); 3, its title holds the query's words; 4, none.
  function nearness(asked, page) {
    var title = page.meta.title || "";
    var others = page.meta.names ? page.meta.names.split(", ") : [];
    if (names(asked, title)) return 0;
    var holding = holds(asked, title);
    var named = others.some(function (name) { return names(asked, name); });
    if (holding && page.meta.tag0 !== "Prompt") return (page.meta.tag0 === "Task" ? 1 : 1.5) - (named ? 0.25 : 0);
    if (named) return 2;
    return holding ? 3 : 4;
  }

  // Material's result for one page: the page, then its sections (folded under it).
  function group(data, terms) {
    var location = data.url.replace(/^\//, "");
    var tags = [];
    for (var i = 0; data.meta["tag" + i] !== undefined; i++) tags.push(data.meta["tag" + i]);
    var items = [{
      location: location, title: escaped(data.meta.title || location), text: excerpt(data.excerpt),
      tags: tags.length ? tags : undefined, score: 1, terms: terms
    }];
    (data.sub_results || []).forEach(function (section) {
      var anchor = section.url.indexOf("#");
      if (anchor < 0) return;
      items.push({
        location: location + section.url.slice(anchor), title: escaped(section.title), text: excerpt(section.excerpt),
        score: 0.5, terms: terms
      });
    });
    return items;
  }

  // `pages` (Pagefind's data, each once) in the order of their nearness to the query, Pagefind's
  // within each step; of those after the first `kept`, only the near ones (nearness below 4).
  function ordered(asked, pages, kept) {
    var seen = {};
    var data = pages.filter(function (page) { return seen[page.url] ? false : (seen[page.url] = true); });
    var near = data.map(function (page) { return nearness(asked, page); });
    return data.map(function (page, i) { return i; }).filter(function (i) {
      return i < kept || near[i] < 4;
    }).sort(function (a, b) { return near[a] - near[b] || a - b; }).map(function (i) { return data[i]; });
  }

  // Once the hubs shown meanwhile are drawn, if any (Pagefind's search then holds the page).
  function later(meanwhile) {
    return new Promise(function (resolve) { setTimeout(resolve, meanwhile ? DRAWN_MS : 0); });
  }

  function PagefindSearch() {
    var events = new EventTarget();
    var latest = 0;
    var shortTimer = null;
    var previous = ""; // the query before, to tell a key typed from a query pasted or erased
    var busy = false;
    var waiting = null; // the newest query typed while one was searched for

    // One query at a time: what is typed meanwhile waits, and only the newest is searched for
    // when the one before is answered, so that results follow the last key, not every key.
    function submit(query, ticket) {
      if (busy) {
        waiting = { query: query, ticket: ticket };
        return;
      }
      busy = true;
      run(query, ticket).then(function () {
        busy = false;
        var next = waiting;
        waiting = null;
        if (next && next.ticket === latest) submit(next.query, next.ticket);
      });
    }

    // Material's results: `items`, of `total` matching pages (null: still searching the others).
    function answer(items, total) {
      setTimeout(function () {
        events.dispatchEvent(new MessageEvent("message", { data: { type: RESULT, data: { items: items } } }));
        var meta = document.querySelector(".md-search-result__meta");
        if (meta && total === null) {
          meta.textContent = SEARCHING;
        } else if (meta && total > items.length) {
          meta.textContent = "The first " + items.length + " of " + total.toLocaleString("en") + " matching documents";
        }
        if (meta && typeof window.livereload === "function") {
          fetch(PENDING, { cache: "no-store" }).then(function (response) {
            return response.ok ? response.text() : "";
          }).then(function (state) {
            if (state === "behind" && meta.textContent.indexOf(BEHIND) < 0) meta.textContent += BEHIND;
          }, function () {});
        }
      });
    }

    function run(query, ticket) {
      var typed = query.trim();
      if (!typed) return Promise.resolve(answer([], 0));
      var terms = {};
      typed.split(/\s+/).forEach(function (word) { terms[word.toLowerCase()] = true; });
      return load().then(function (loaded) {
        var asked = readings(query);
        // The hubs the query finds, searched apart (Pagefind's filter "kind"): a task's or a
        // model's name may be the start of many other names ("Segmentation"), which could push
        // its page past the results loaded. Then every page.
        return Promise.all(HUBS.map(function (kind) {
          return loaded.module.search(typed, { filters: { kind: kind } });
        })).then(function (found) {
          if (ticket !== latest || found.indexOf(null) >= 0) return null;
          return Promise.all(found.map(function (search) { return shown(search.results, HUBS_SHOWN, loaded.elsewhere); }));
        }).then(function (hubs) {
          if (!hubs || ticket !== latest) return null;
          // The hubs near the query, which the results begin with, in this order. An index in
          // parts is a big site's, where a query that many pages match takes Pagefind a second
          // (benchmarks/README.md): they are shown meanwhile.
          var named = ordered(asked, [].concat.apply([], hubs), 0);
          var meanwhile = parts.length > 0 && named.length > 0;
          if (meanwhile) answer(named.map(function (page) { return group(page, terms); }), null);
          return later(meanwhile).then(function () {
            return ticket === latest ? loaded.module.search(typed) : null;
          }).then(function (search) {
            if (!search || ticket !== latest) return null;
            return shown(search.results, SHOWN, loaded.elsewhere).then(function (pages) {
              if (ticket !== latest) return;
              // The nearer first (see nearness): the hubs near the query as above, then in
              // Pagefind's order; of the other hubs found apart, none.
              var data = ordered(asked, named.concat(pages), named.length + pages.length);
              answer(data.map(function (page) { return group(page, terms); }), search.results.length);
            });
          });
        });
      }).catch(function (error) {
        if (ticket === latest) answer([], 0);
        console.warn("search: " + error);
        // Under `mkdocs serve` the index may have been written again since it was loaded.
        if (pagefind) pagefind.then(function (loaded) { return loaded.module.destroy(); }).catch(function () {});
        pagefind = null;
      });
    }

    this.addEventListener = events.addEventListener.bind(events);
    this.removeEventListener = events.removeEventListener.bind(events);
    this.dispatchEvent = events.dispatchEvent.bind(events);
    this.terminate = function () { latest++; };
    this.postMessage = function (message) {
      if (!message) return;
      if (message.type === SETUP) {
        parts = partsOf(message.data);
        setTimeout(function () { events.dispatchEvent(new MessageEvent("message", { data: { type: READY } })); });
        var field = document.querySelector("input.md-search__input");
        if (field) field.addEventListener("focus", function () {
          load().then(function (loaded) { return loaded.module.init(); }).catch(function () {});
        }, { once: true });
      } else if (message.type === QUERY && typeof message.data === "string") {
        var ticket = ++latest; // an answer to any query before this one is no longer drawn
        clearTimeout(shortTimer);
        var typing = message.data.indexOf(previous) === 0; // a key more of the same query
        previous = message.data;
        // The last word counts: "stable d" needs every chunk of the words starting with d.
        var last = message.data.trim().split(/\s+/).pop().length;
        var wait = last > 0 && last < SHORT ? SHORT_WAIT_MS : typing ? TYPING_WAIT_MS : 0;
        shortTimer = setTimeout(function () { submit(message.data, ticket); }, wait);
      }
    };
  }

  var Worker = function (url, options) {
    if (MATERIAL.test(String(url))) return new PagefindSearch();
    return new Native(url, options);
  };
  Worker.prototype = Native.prototype;
  window.Worker = Worker;
})();
