// Prompt Pages: Mermaid always runs with securityLevel "strict".
//
// Diagram labels come from prompt files, which nobody reviews like code. With "strict",
// Mermaid escapes HTML in labels and ignores `click` callbacks; no diagram directive can
// change it, since "securityLevel" is one of Mermaid's `secure` keys. Material for MkDocs
// may call `mermaid.initialize` with its own options and no securityLevel: this file,
// loaded right after mermaid.min.js (see extra_javascript in mkdocs.yml), sets "strict" at
// once and keeps it in every later call, whatever that call asks for.
(function () {
  "use strict";
  var mermaid = window.mermaid;
  if (!mermaid || typeof mermaid.initialize !== "function") {
    return;
  }
  var initialize = mermaid.initialize.bind(mermaid);
  var strict = function (config) {
    var options = Object.assign({}, config || {});
    options.securityLevel = "strict";
    return initialize(options);
  };
  mermaid.initialize = strict;
  strict({});
})();
