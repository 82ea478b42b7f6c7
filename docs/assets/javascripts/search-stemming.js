/* Prompt Pages: Material's search worker started through workers/search-stemmed.js, which stems
 * the words of each query (see there why). Loaded before Material's bundle (overrides/main.html),
 * which starts its worker as soon as it runs.
 */
(function () {
  "use strict";
  var Native = window.Worker;
  var script = document.currentScript && document.currentScript.src;
  if (typeof Native !== "function" || !script) {
    return;
  }
  var MATERIAL = /(?:^|\/)workers\/(search\.[0-9a-f]+\.min\.js)$/;
  var Worker = function (url, options) {
    var match = MATERIAL.exec(String(url));
    if (match) {
      url = new URL("workers/search-stemmed.js#" + match[1], script).href;
    }
    return new Native(url, options);
  };
  Worker.prototype = Native.prototype;
  window.Worker = Worker;
})();
