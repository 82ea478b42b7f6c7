/* Prompt Pages: Material's search worker, reading queries as a visitor means them.
 *
 * search-stemming.js starts this worker in place of Material's (9.x), whose file name follows
 * the "#" of this script's address. It loads Material's worker from this folder and changes
 * how names are indexed, how a query's words are looked up and how a whole name ranks; every
 * message stays Material's own.
 *
 * - Stemming. Material adds a trailing wildcard to each word of a query ("denoise" is looked
 *   up as "denoise*"), and Lunr runs no pipeline on a word with a wildcard. So Material's option
 *   `pipeline: [stemmer]` cannot work (the index would hold "denois", which "denoise*" misses:
 *   every query with a wildcard finds nothing), and with whole words indexed "denoise*" misses
 *   "denoising". Here each word is cut back to what it shares with its English stem (Lunr's own
 *   Porter stemmer) before the wildcard: "denoise" and "denoising" both look for "denois*".
 * - Names. A name is indexed whole and in the pieces a reader sees in it, at case changes and
 *   between letters and digits: "StableDiffusionV1" as stablediffusionv1, and as stable,
 *   diffusion, v and 1. So "stable diffusion" finds it, and so do "StableDiffusion" and
 *   "stablediffusion". (Material's separator could split names too, but then "mssnet", typed
 *   in lower case, would find nothing: the index would hold only "mss" and "net".)
 * - A word written with hyphens is required whole: "Deblur-MSSNet-GoPro" finds the pages
 *   with all three, not every page with "deblur" (the words of a query are otherwise
 *   alternatives, as in Material).
 * - Small words. In a query of several words, a stop word ("to" in "text to image") is left
 *   out, as the index leaves it out, and a word of one character ("V 1") is looked up as
 *   itself: either would otherwise match the start of thousands of words.
 * - Whole names. A query that is a page's whole title, whatever its case and punctuation
 *   ("sisr rcan 2x" for SISR-RCAN-2x), puts that page first: a model named like another with
 *   more words, or a task whose name is part of a model's, would otherwise tie with it.
 * - A colon followed by a space is a space: "Gaze-LLE: Gaze Target Estimation" is a name, not
 *   Lunr's syntax for a field.
 */
(function () {
  "use strict";
  var SETUP = 0;
  var QUERY = 2;
  var MIN_PREFIX = 3;
  var name = decodeURIComponent(self.location.hash.slice(1));
  if (!/^search\.[0-9a-f]+\.min\.js$/.test(name)) {
    throw new Error("search-stemmed.js: not Material's search worker: " + name);
  }

  var separator = /[\s-]+/;
  var titles = Object.create(null); // a page's address -> its title, as normalised
  var asked = ""; // the query being answered, as normalised
  var pieces = []; // how many pieces each of its words is split into

  function normalised(text) {
    return String(text).replace(/<[^>]*>/g, "").split(separator).filter(Boolean).join(" ").toLowerCase();
  }

  // Registered before Material's own listener, so it sees each message first (and the same
  // object: the changes below are what Material reads).
  self.addEventListener("message", function (event) {
    var message = event.data;
    if (!message) return;
    if (message.type === SETUP && message.data && message.data.config) {
      separator = new RegExp(message.data.config.separator);
      var docs = message.data.docs || [];
      for (var i = 0; i < docs.length; i++) {
        if (docs[i].location.indexOf("#") < 0) titles[docs[i].location] = normalised(docs[i].title);
      }
    } else if (message.type === QUERY && typeof message.data === "string") {
      // Each word is sent as its pieces ("Deblur-MSSNet-GoPro": Deblur MSSNet GoPro): Material
      // splits a word with several separators into a muddle of repeated terms. A word written
      // in Lunr's syntax ("+word", "-word", "title:word", "word~1", a quoted phrase) stays as is.
      var words = message.data.replace(/:(?=\s|$)/g, " ").split(/\s+/).filter(Boolean);
      pieces = [];
      message.data = words.map(function (word) {
        if (/^[+\-]|[*~^:"]/.test(word)) {
          pieces.push(-1);
          return word;
        }
        var parts = word.split(separator).filter(Boolean);
        pieces.push(parts.length);
        return parts.join(" ");
      }).join(" ");
      asked = normalised(message.data);
    }
  });

  importScripts(name);
  var lunr = self.lunr;

  function prefix(word) {
    var stem = lunr.stemmer(new lunr.Token(word)).toString();
    var length = 0;
    while (length < stem.length && stem.charAt(length) === word.charAt(length)) length++;
    return length >= MIN_PREFIX ? word.slice(0, length) : word;
  }

  // A name in pieces: where the case changes ("MSSNet": MSS, Net; "iHarmony": i, Harmony) and
  // between letters and digits ("Txt2Img": Txt, 2, Img).
  var BOUNDARY = /(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/;
  // A word with such a place, looked for at the start of each word only (linear in the text).
  var NAME = /\b(?=[A-Za-z0-9]*?(?:[a-z][A-Z]|[A-Z][A-Z][a-z]|[A-Za-z][0-9]|[0-9][A-Za-z]))[A-Za-z0-9]+/g;

  function names(input) {
    var found = null;
    var text = Array.isArray(input) ? input.join(" ") : String(input);
    NAME.lastIndex = 0;
    for (var match; (match = NAME.exec(text)); ) {
      (found = found || Object.create(null))[match[0].toLowerCase()] = match[0].split(BOUNDARY);
    }
    return found;
  }

  // Material's tokenizer gives each word once, in lower case; a name's pieces are added, at the
  // place of the whole name (a piece found marks the whole name in the results).
  function piecewise(tokenize) {
    var split = function (input, metadata) {
      var tokens = tokenize(input, metadata);
      var found = input == null ? null : names(input);
      if (!found) return tokens;
      var out = tokens.slice();
      tokens.forEach(function (token) {
        var parts = found[token.toString()];
        if (!parts) return;
        parts.forEach(function (part) {
          out.push(token.clone(function () { return part.toLowerCase(); }));
        });
      });
      return out;
    };
    split.piecewise = true;
    return split;
  }

  var add = lunr.Builder.prototype.add;
  lunr.Builder.prototype.add = function () {
    if (!this.tokenizer.piecewise) this.tokenizer = piecewise(this.tokenizer);
    return add.apply(this, arguments);
  };

  // Material reads a query with Lunr's parser twice, to search and to mark the words found
  // in each result: both readings get the same words.
  var parse = lunr.QueryParser.prototype.parse;
  lunr.QueryParser.prototype.parse = function () {
    var query = parse.apply(this, arguments);
    var clauses = query.clauses;
    var words = clauses.filter(function (clause) {
      // Only the words Material sends (letters or digits, then its "*"): a query written in
      // Lunr's own syntax (a leading "*", "~1", "^10", "+word") is left as typed.
      return /^[a-z0-9]+\*$/.test(clause.term) && clause.presence === lunr.Query.presence.OPTIONAL;
    });
    // Each clause's word as typed, when the query is only words (the pieces add up).
    var total = pieces.reduce(function (sum, count) { return count < 0 ? NaN : sum + count; }, 0);
    if (total === clauses.length && words.length === clauses.length) {
      for (var w = 0, c = 0; w < pieces.length; c += pieces[w], w++) {
        if (pieces[w] < 2) continue;
        for (var k = c; k < c + pieces[w]; k++) clauses[k].together = true;
      }
    }
    query.clauses = [];
    for (var i = 0; i < clauses.length; i++) {
      var clause = clauses[i];
      if (words.indexOf(clause) >= 0) {
        var word = clause.term.slice(0, -1);
        // A stop word is not in the index (Material's pipeline leaves them out): the "to" of
        // "text to image" or of "Image-to-video generation" is not looked for, nor required.
        if (words.length > 1 && !lunr.stopWordFilter(word)) continue;
        if (word.length === 1) {
          if (words.length > 1) clause.term = word;
        } else if (/^[a-z]+$/.test(word)) {
          clause.term = prefix(word) + "*";
        }
        if (clause.together) clause.presence = lunr.Query.presence.REQUIRED;
      }
      query.clauses.push(clause);
    }
    return query;
  };

  // Material then multiplies each score by at most 5 (a page over a section, all words found)
  // and sorts again: a whole name's page is put above that.
  var search = lunr.Index.prototype.search;
  lunr.Index.prototype.search = function () {
    var results = search.apply(this, arguments);
    if (!asked || !results.length) return results;
    var top = results[0].score;
    var named = false;
    for (var i = 0; i < results.length; i++) {
      if (titles[results[i].ref] === asked) {
        results[i].score += top * 10;
        named = true;
      }
    }
    if (named) results.sort(function (a, b) { return b.score - a.score; });
    return results;
  };
})();
