/* Search that keeps up with typing on a big site.
 *
 * Material sends its search worker one query per keystroke, and the worker answers them in
 * turn: with tens of thousands of sections each answer takes a good part of a second, so
 * typing "video generation" queues sixteen queries and the results of the last one arrive
 * seconds after the last key. Here a query waits while the worker is busy with the one before,
 * and only the newest waiting query is sent when it answers: the results shown are always
 * those of what was typed last, at most one answer later. A query of one or two characters
 * (the slowest of all: "m" matches every word starting with m) waits a moment for the next
 * key, so that typing a word does not start with it.
 *
 * The messages are Material's (9.x): {type: 2, data: query} to the worker, {type: 3, ...} back.
 * Any other message passes untouched, and a worker that never answers holds nothing for long.
 */
(function () {
  "use strict";
  var QUERY = 2;
  var RESULT = 3;
  var GIVE_UP_MS = 10000;
  var SHORT = 3; // characters
  var SHORT_WAIT_MS = 250;
  var post = Worker.prototype.postMessage;
  var states = new WeakMap();

  function send(worker, state, message) {
    state.busy = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { answered(worker, state); }, GIVE_UP_MS);
    post.call(worker, message);
  }

  function answered(worker, state) {
    clearTimeout(state.timer);
    if (state.waiting) {
      var next = state.waiting;
      state.waiting = null;
      send(worker, state, next);
    } else {
      state.busy = false;
    }
  }

  function submit(worker, state, message) {
    if (state.busy) {
      state.waiting = message; // a newer query replaces one that was still waiting
    } else {
      send(worker, state, message);
    }
  }

  function stateOf(worker) {
    var state = states.get(worker);
    if (!state) {
      state = { busy: false, waiting: null, timer: null, shortTimer: null };
      states.set(worker, state);
      worker.addEventListener("message", function (event) {
        if (event.data && event.data.type === RESULT) answered(worker, state);
      });
      worker.addEventListener("error", function () { answered(worker, state); });
    }
    return state;
  }

  Worker.prototype.postMessage = function (message) {
    if (!message || message.type !== QUERY || typeof message.data !== "string") {
      return post.apply(this, arguments);
    }
    var worker = this;
    var state = stateOf(worker);
    clearTimeout(state.shortTimer);
    var length = message.data.trim().length;
    if (length > 0 && length < SHORT) {
      state.waiting = null; // older than this one
      state.shortTimer = setTimeout(function () { submit(worker, state, message); }, SHORT_WAIT_MS);
      return;
    }
    submit(worker, state, message);
  };
})();
