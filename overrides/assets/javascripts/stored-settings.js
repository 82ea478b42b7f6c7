// Material 9.8's two first scripts, shared by every page instead of inlined in each, and run where
// Material runs the second, in the header before the page is drawn (not in the head, where it
// would hold up the first paint):
// - partials/javascripts/base.html: where the site's stored settings live (its root, found from
//   this file's own address: it is at assets/javascripts/) and the helpers that read and write them;
// - partials/javascripts/palette.html: the palette the visitor chose, restored.
__md_scope=(document.currentScript.dataset.scope?new URL(document.currentScript.dataset.scope,location):new URL("../..",document.currentScript.src)),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
var palette=__md_get("__palette");if(palette&&palette.color){if("(prefers-color-scheme)"===palette.color.media){var media=matchMedia("(prefers-color-scheme: light)"),input=document.querySelector(media.matches?"[data-md-color-media='(prefers-color-scheme: light)']":"[data-md-color-media='(prefers-color-scheme: dark)']");palette.color.media=input.getAttribute("data-md-color-media"),palette.color.scheme=input.getAttribute("data-md-color-scheme"),palette.color.primary=input.getAttribute("data-md-color-primary"),palette.color.accent=input.getAttribute("data-md-color-accent")}for(var[key,value]of Object.entries(palette.color))document.body.setAttribute("data-md-color-"+key,value)}
