{#-
  Prompt Pages: what every page's chrome holds that works only with JavaScript, shared by every
  page instead of written into each: rendered once per build from the site's configuration
  (theme.static_templates in mkdocs.yml), run in the header (partials/javascripts/palette.html),
  before the page is drawn and before Material's bundle looks for any of it:
  - Material 9.8's first two scripts: where the site's stored settings live (its root, found from
    this file's own address: it is at assets/javascripts/) and the helpers that read and write
    them (partials/javascripts/base.html); the palette the visitor chose, restored
    (partials/javascripts/palette.html);
  - the palette's switch (partials/palette.html), put before the search button, and the search
    dialog (partials/search.html), put after this script: neither does anything without script;
  - Material's configuration (base.html's block config), which its bundle reads from #__config,
    and the dialog in which it shows its messages (base.html), both read by its bundle as it runs;
  - once the page is read (DOMContentLoaded, before Material's bundle looks for them, since this
    listener comes first): the button back to the top (partials/top.html), in its place after the
    main column, and the entries of the table of contents (partials/toc.html), one for each
    heading of the article with an id after the first heading, nested by level, as Python-Markdown's
    toc extension and Material's partials/toc-item.html make them;
  - a permanent link (¶) on every heading of the article that has an id, as Python-Markdown's toc
    extension wrote them with `permalink: true`: the same link, title and place, focusable by the
    keyboard and named for a screen reader, made here from the headings' ids;
  - the summaries of the References' entries, each kept once for the whole site in a file of its
    own (assets/summaries/, generator/steps/compose.py compose_summary) that its box links to: each
    box gets its summary's paragraphs in place of the link, as soon as the page is read, so that
    find-in-page and printing see them; only their text and their http(s) links are taken.
  The icons' address is made relative to this file, since a page may be anywhere in the site.
-#}
{%- import "partials/language.html" as lang with context -%}
{%- set features = config.theme.features or [] -%}
{%- set icons_url = 'assets/images/icons.svg' | url -%}
{%- set palette_form %}{% if config.theme.palette and config.theme.palette is not mapping %}{% include "partials/palette.html" %}{% endif %}{% endset -%}
{%- set top_button %}{% if "navigation.top" in features %}{% include "partials/top.html" %}{% endif %}{% endset -%}
{%- set search_dialog %}{% if "material/search" in config.plugins and config.plugins["material/search"].config.enabled %}{% include "partials/search.html" %}{% endif %}{% endset -%}
{%- set material_config = {
  "features": features,
  "translations": {
    "clipboard.copy": lang.t("clipboard.copy"),
    "clipboard.copied": lang.t("clipboard.copied"),
    "search.result.placeholder": lang.t("search.result.placeholder"),
    "search.result.none": lang.t("search.result.none"),
    "search.result.one": lang.t("search.result.one"),
    "search.result.other": lang.t("search.result.other"),
    "search.result.more.one": lang.t("search.result.more.one"),
    "search.result.more.other": lang.t("search.result.more.other"),
    "search.result.term.missing": lang.t("search.result.term.missing"),
    "select.version": lang.t("select.version")
  },
  "annotate": config.extra.annotate or none,
  "tags": config.extra.tags or none,
  "version": none
} -%}
__md_scope=(document.currentScript.dataset.scope?new URL(document.currentScript.dataset.scope,location):new URL("../..",document.currentScript.src)),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
(function(){
var script=document.currentScript,here=script.src,icons=new URL("../images/icons.svg",here).href;
function chrome(html){return html.split({{ icons_url | tojson }}).join(icons);}
var search=script.previousElementSibling;if(!search||search.getAttribute("for")!=="__search")search=script;
search.insertAdjacentHTML("beforebegin",chrome({{ palette_form | trim | tojson }}));
script.insertAdjacentHTML("afterend",chrome({{ search_dialog | trim | tojson }}));
var settings=document.createElement("script");settings.id="__config";settings.type="application/json";
var material={{ material_config | tojson }};
material.base=new URL("../..",here).href;material.search=new URL("workers/search.a7633da7.min.js",here).href;
settings.textContent=JSON.stringify(material);document.head.appendChild(settings);
document.body.insertAdjacentHTML("beforeend",'<div class="md-dialog" data-md-component="dialog"><div class="md-dialog__inner md-typeset"></div></div>');
function element(tag,name){var made=document.createElement(tag);if(name)made.className=name;return made;}
function entry(heading){
var item=element("li","md-nav__item"),link=element("a"),title=element("span","md-ellipsis");
link.href="#"+heading.id;link.className="md-nav__link";title.textContent=heading.title;link.appendChild(title);item.appendChild(link);
if(heading.children.length){var nav=element("nav","md-nav"),list=element("ul","md-nav__list");nav.setAttribute("aria-label",heading.title);
heading.children.forEach(function(child){list.appendChild(entry(child));});nav.appendChild(list);item.appendChild(nav);}
return item;}
document.addEventListener("DOMContentLoaded",function(){
var main=document.querySelector(".md-main__inner");
if(main)main.insertAdjacentHTML("afterend",chrome({{ top_button | trim | tojson }}));
var root={level:0,children:[]},open=[root];
document.querySelectorAll("article.md-content__inner :is(h1,h2,h3,h4,h5,h6)[id]").forEach(function(heading){
var level=+heading.tagName[1],node={level:level,id:heading.id,title:heading.textContent.trim(),children:[]};
while(open[open.length-1].level>=level)open.pop();
open[open.length-1].children.push(node);open.push(node);
var link=element("a","headerlink");link.href="#"+heading.id;link.title="Permanent link";link.textContent="\u00b6";heading.appendChild(link);});
var contents=document.querySelector("[data-md-component=toc]"),headings=root.children;
if(headings.length&&headings[0].level===1)headings=headings[0].children;
if(contents)headings.forEach(function(heading){contents.appendChild(entry(heading));});
document.querySelectorAll("article a.summary-file").forEach(function(link){
fetch(link.href).then(function(response){if(!response.ok)throw new Error(response.status);return response.text();}).then(function(text){
var found=new DOMParser().parseFromString(text,"text/html").querySelectorAll("main > p"),place=link.parentNode;
if(!found.length||!place.parentNode)return;
found.forEach(function(paragraph){var made=element("p");
paragraph.childNodes.forEach(function(node){var href=node.nodeName==="A"&&node.getAttribute("href");
if(href&&/^https?:\/\//i.test(href)){var anchor=element("a");anchor.href=href;anchor.textContent=node.textContent;made.appendChild(anchor);}
else made.appendChild(document.createTextNode(node.textContent));});
place.parentNode.insertBefore(made,place);});
place.remove();}).catch(function(){});});});
})();
var palette=__md_get("__palette");if(palette&&palette.color){if("(prefers-color-scheme)"===palette.color.media){var media=matchMedia("(prefers-color-scheme: light)"),input=document.querySelector(media.matches?"[data-md-color-media='(prefers-color-scheme: light)']":"[data-md-color-media='(prefers-color-scheme: dark)']");palette.color.media=input.getAttribute("data-md-color-media"),palette.color.scheme=input.getAttribute("data-md-color-scheme"),palette.color.primary=input.getAttribute("data-md-color-primary"),palette.color.accent=input.getAttribute("data-md-color-accent")}for(var[key,value]of Object.entries(palette.color))document.body.setAttribute("data-md-color-"+key,value)}
