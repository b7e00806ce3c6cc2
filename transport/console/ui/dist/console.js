var S,We,Dt,H,ve,le,ze,se,Ge,ke,xe,Ht,ee=Symbol.for("pv"),ce={},ue=[],Ft=/^m(i|n|o|s|text|space)$/,Se=Array.isArray,we=ue.slice,W=Object.assign;function B(e){e&&e.parentNode&&e.remove()}function Ce(e,t,n){var r,a,o,s={},i=arguments.length;for(o in t)o=="key"?r=t[o]:o=="ref"&&typeof e!="function"?a=t[o]:s[o]=t[o];return i>2&&(s.children=i>3?we.call(arguments,2):n),Z(e,s,r,a,null)}function Z(e,t,n,r,a){var o={type:e,props:t,key:n,ref:r,__k:null,__:null,__b:0,__e:null,__c:null,constructor:ee,__v:a||++We,__i:-1,__u:0};return!a&&S.vnode&&S.vnode(o),o}function pe(e){return e.children}function Y(e,t){this.props=e,this.context=t,this.__g=0}function F(e,t){if(t==null)return e.__&&F(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:F(e)}function Jt(e){var t,n=e.__v,r=n.__e,a=[],o=[],s=e.__P;s&&((t=W({constructor:ee},n)).__v=n.__v+1,S.vnode&&S.vnode(t),Te(s,t,n,e.__n,s.namespaceURI,32&n.__u?[r]:null,a,r||F(n),32&n.__u,o),t.__v=n.__v,t.__.__k[t.__i]=t,et(a,t,o),n.__=n.__e=null,t.__e!=r&&Qe(t))}function Qe(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Qe(e)}function Ve(e){(8&e.__g||(e.__g|=8,H.push(e),le++))&&ve==S.debounceRendering||((ve=S.debounceRendering)||queueMicrotask)(Ke)}function Ke(){try{for(var e,t=1;H.length;)H.length>t&&H.sort(ze),e=H.shift(),t=H.length,8&e.__g&&Jt(e)}finally{(le=H.length)&&(ve||queueMicrotask)(Ke)}}function Xe(e,t,n,r,a,o,s,i,l,d,u){var f,_,p,h,v,m,b=r.__k||ue,y=t.length;for(l=Vt(n,t,b,l,y),f=0;f<y;f++)(p=n.__k[f])!=null&&(_=~p.__i&&b[p.__i]||ce,p.__i=f,m=Te(e,p,_,a,o,s,i,l,d,u),h=p.__e,(_.ref!=p.ref||8&_.__u)&&(_.ref&&Oe(_.ref,null,p,_),p.ref&&u.push(p.ref,p.__c||h,p)),v=v||h,4&p.__u?(l=Ze(p,l,e,!_.__v),_.__e&&(_.__e=null)):typeof p.type=="function"&&m!==void 0?l=m:h&&(l=h.nextSibling),p.__u&=-21);return n.__e=v,l}function Vt(e,t,n,r,a){var o,s,i,l,d,u,f,_,p,h=n.length,v=h,m=0,b=0,y=e.__k=Array(a);for(o=0;o<a;o++)(s=t[o])!=null&&typeof s!="boolean"&&typeof s!="function"?(typeof s!="object"||s.constructor===String?s=y[o]=Z(null,s):Se(s)?s=y[o]=Z(pe,{children:s}):s.constructor===ee&&s.__b?s=y[o]=Z(s.type,s.props,s.key,s.ref,s.__v):y[o]=s,l=o+m,s.__=e,s.__b=e.__b+1,i=null,~(d=s.__i=Bt(s,n,l,v))&&(v--,(i=n[d])&&(i.__u|=2)),i&&i.__v?(s.__u|=16,d==l-1?m--:d==l+1?m++:d!=l&&(d>l?m--:m++,b=1)):(~d||(a>h?m--:a<h&&m++),typeof s.type!="function"&&(s.__u|=4))):y[o]=null;if(b){for(u=[],f=[],o=0;o<a;o++)if((s=y[o])&&16&s.__u){for(m=0,_=u.length;m<_;)u[p=m+_>>1]<s.__i?m=p+1:_=p;u[m]=s.__i,f[o]=m+1}for(m=u.length;o--;)f[o]&&(f[o]==m?m--:y[o].__u|=4)}if(v)for(o=0;o<h;o++)!(i=n[o])||2&i.__u||(i.__e==r&&(r=F(i)),Pe(i,i));return r}function Ze(e,t,n,r){var a,o,s,i;if(typeof e.type=="function"){if(e.props.__P)return t;if(a=e.__k)for(o=0;o<a.length;o++)a[o]&&(a[o].__=e,t=Ze(a[o],t,n,!1));return t}for(t&&!t.parentNode&&(t=F(e))&&!t.parentNode&&(t=null),s=e.__e,i=t;i&&i.nodeType==8;)i=i.nextSibling;for(s!=i&&(!r&&n.moveBefore&&s.parentNode?n.moveBefore(s,t):n.insertBefore(s,t||null)),t=s;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Bt(e,t,n,r){var a,o=e.key,s=e.type,i=t[n],l=i&&!(2&i.__u);if(i===null&&o==null||l&&o==i.key&&s==i.type)return n;if(r>(l?1:0)){for(a=n-1;a>=0;a--)if((i=t[a])&&!(2&i.__u)&&o==i.key&&s==i.type)return a;for(a=n+1;a<t.length;a++)if((i=t[a])&&!(2&i.__u)&&o==i.key&&s==i.type)return a}return-1}function Be(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function ae(e,t,n,r,a){var o,s;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof r=="string"&&(e.style.cssText=r=""),r)for(t in r)n&&t in n||Be(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||Be(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof r!="function"&&(r=null),(e.__e||(e.__e={}))[t]=n,n&&r||(s=xe[t]||(xe[t]=Wt(t)),(e.__a||(e.__a={}))[t]=ke,o=t!=(t=t.replace(Ge,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,s,o):e.removeEventListener(t,s,o));else{if(a=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function Wt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[se]==null)t[se]=ke++;else if(t[se]<this.__a[e])return;return n(S.event?S.event(t):t)}}}function Te(e,t,n,r,a,o,s,i,l,d){var u,f,_,p,h,v,m,b,y,k,$,w,R,D,j,g,T,U,M=t.type;if(t.constructor!==ee)return null;128&n.__u&&(l=32&n.__u,u=n.__c.__z)&&(t.__u|=l,f=o=[],u.nodeType==8?i=ie(u,o):o.push(u),i=o[0]||i),(u=S.__b)&&u(t);e:if(typeof M=="function"){_=s.length;try{if(b=t.props,y=(u=M.prototype)&&u.render,k=(u=M.contextType)&&r[u.__c],$=u?k?k.props.value:u.__:r,(p=n.__c)?(t.__c=p,2&p.__g&&(p.__g|=1)):(y?t.__c=p=new M(b,$):(t.__c=p=new Y(b,$),p.constructor=M,p.render=Gt),k&&k.sub(p),p.state||(p.state={}),p.__n=r,p.__g|=8,p.__h=[],p.__k=[]),y&&(p.__s||(p.__s=p.state),M.getDerivedStateFromProps&&(p.__s==p.state&&(p.__s=W({},p.__s)),W(p.__s,M.getDerivedStateFromProps(b,p.__s)))),h=p.props,v=p.state,p.__v=t,n.__c){if(b!==h&&y&&!M.getDerivedStateFromProps&&p.componentWillReceiveProps&&p.componentWillReceiveProps(b,$),t.__v==n.__v&&!(8&p.__g)||!(4&p.__g)&&p.shouldComponentUpdate&&p.shouldComponentUpdate(b,p.__s,$)===!1){t.__v!=n.__v&&(p.props=b,p.state=p.__s,p.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(E){E&&(E.__=t)}),ue.push.apply(p.__h,p.__k),p.__k=[],p.__h.length&&s.push(p),i=F(n);break e}p.componentWillUpdate&&p.componentWillUpdate(b,p.__s,$),y&&p.componentDidUpdate&&p.__h.push(function(){p.componentDidUpdate(h,v,m)})}else y&&!M.getDerivedStateFromProps&&p.componentWillMount&&p.componentWillMount(),y&&p.componentDidMount&&p.__h.push(p.componentDidMount);p.context=$,p.props=b,p.__P=e,p.__g&=-5,w=S.__r,R=y?25:0;do p.__g&=-9,w&&w(t),u=p.render(p.props,p.state=p.__s,p.context);while(8&p.__g&&++R<25);y&&(ue.push.apply(p.__h,p.__k),p.__k=[]),p.state=p.__s,p.getChildContext&&(r=W({},r,p.getChildContext())),y&&n.__c&&p.getSnapshotBeforeUpdate&&(m=p.getSnapshotBeforeUpdate(h,v)),D=u&&u.type===pe&&u.key==null?u.props.children:u,b.__P&&(u=i,a=(e=b.__P).namespaceURI,l=o=null,n.props&&n.props.__P!=e&&(n.__k.some(function(E){E&&Pe(E,E)}),n.__k=null),i=n.__k?F(n,0):null),i=Xe(e,Se(D)?D:[D],t,n,r,a,o,s,i,l,d),b.__P&&(t.__e=null,i=u),t.__u&=-161,f&&f.some(B),p.__h.length&&s.push(p),1&p.__g&&(p.__g&=-4)}catch(E){if(s.length=_,t.__v=null,l||o)if(E&&E.then){if(t.__u|=128|l,o){for(~(T=o.indexOf(i||void 0))||(T=o.length);(U=o[T-1])&&U.nodeType==8;)T--;for(;T<o.length;T++)if(U=o[T])if(o[T]=null,j){if(U==g)break}else{if(U.nodeType!=8)break;U.data.startsWith("$s")&&(g=ie(j=U))}}if(!j){for(;i&&i.nodeType==8&&i.nextSibling;)i=i.nextSibling;j=i}(u=ie(j=t.__c.__z||(t.__c.__z=j)))?(t.__e=j,i=u):t.__e=i,i=i&&i.nextSibling}else o&&o.some(B);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),E&&E.then||Ye(t),S.__e(E,t,n)}}else i=t.__e=zt(n.__e,t,n,r,a,o,s,l,d,e);return(u=S.diffed)&&u(t),i}function ie(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function Ye(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(Ye))}function et(e,t,n){for(var r=0;r<n.length;)Oe(n[r++],n[r++],n[r++]);S.__c&&S.__c(t,e),e.some(function(a){try{e=a.__h,a.__h=[],e.some(function(o){o.call(a)})}catch(o){S.__e(o,a.__v)}})}function zt(e,t,n,r,a,o,s,i,l,d){var u,f,_,p,h,v,m,b,y=n.props||ce,k=t.props,$=t.type;if($=="svg"?a="http://www.w3.org/2000/svg":$=="math"?a="http://www.w3.org/1998/Math/MathML":a||(a="http://www.w3.org/1999/xhtml"),o){for(u=0;u<o.length;u++)if((h=o[u])&&($?h.localName==$:h.nodeType==3)){e=h,o[u]=null;break}}if(!e){if(b=d.ownerDocument||document,!$)return b.createTextNode(k);e=b.createElementNS(a,$,k.is?k:d),i&&(S.__m&&S.__m(t,o),i=!1),o=null}if($){if(d=$=="template"&&e.content||e,o=$=="textarea"&&k.defaultValue!=null?null:o&&we.call(d.childNodes),!i&&o)for(y={},u=0;u<e.attributes.length;u++)y[(h=e.attributes[u]).name]=h.value;for(u in y)h=y[u],u=="dangerouslySetInnerHTML"?_=h:u=="children"||u in k||u=="value"&&"defaultValue"in k||u=="checked"&&"defaultChecked"in k||ae(e,u,null,h,a);for(u in k)h=k[u],u=="children"?p=h:u=="dangerouslySetInnerHTML"?f=h:u=="value"?v=h:u=="checked"?m=h:i&&typeof h!="function"||y[u]===h||ae(e,u,h,y[u],a);f?(i||_&&(f.__html==_.__html||f.__html==e.innerHTML)||(e.innerHTML=f.__html),t.__k=[]):(_&&(e.textContent=""),($=="foreignObject"||a=="http://www.w3.org/1998/Math/MathML"&&Ft.test($))&&(a="http://www.w3.org/1999/xhtml"),Xe(d,Se(p)?p:[p],t,n,r,a,o,s,o?o[0]:n.__k&&F(n,0),i,l),o&&o.some(B)),i&&$!="textarea"||(u="value",$=="progress"&&v==null?e.removeAttribute(u):v==null||v===e[u]&&($!="progress"||v)||ae(e,u,v,y[u],a),u="checked",m!=null&&m!=e[u]&&ae(e,u,m,y[u],a))}else y===k||i&&e.data==k||(e.data=k);return e}function Oe(e,t,n,r){try{typeof e=="function"?t?t.__x=e(t)||1:r&&(r=r.__c||r.__e)&&(t=r.__x)&&(r.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(a){S.__e(a,n)}}function Pe(e,t,n){var r,a,o,s;if(S.unmount&&S.unmount(e),!(r=e.ref)||r.current&&r.current!=e.__e||Oe(r,null,t,e),r=e.__c){if(r.componentWillUnmount)try{r.componentWillUnmount()}catch(i){S.__e(i,t)}r.__P=r.__n=null}if(r=e.__k)for(s=0;s<r.length;s++)r[s]&&Pe(r[s],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(r=e.__c)&&(r=r.__z)&&(a=ie(r,o=[]))&&(r==e.__e&&o.some(B),B(a),B(r)),n||B(e.__e),e.__e=e.__c=e.__=null}function Gt(e,t,n){return this.constructor(e,n)}function Ne(e,t){var n,r,a,o;S.__&&S.__(e,t),t.nodeType==9&&(t=t.documentElement),r=(n=e&&32&e.__u)?null:t.__k,t.__k=Z(pe,{children:[e]}),a=[],o=[],Te(t,t.__k,r||ce,ce,t.namespaceURI,r?null:t.firstChild?we.call(t.childNodes):null,a,r?r.__e:t.firstChild,n,o),et(a,t.__k,o),t.__k.props.children=null}S={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(i){e=i}}throw le=0,e}},We=0,Dt=function(e){return e!=null&&e.constructor===ee},Y.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=W({},this.state)),typeof e=="function"&&(e=e(W({},n),this.props)),e&&(W(n,e),this.__v&&(t&&this.__k.push(t),Ve(this)))},Y.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Ve(this))},Y.prototype.render=pe,H=[],le=0,ze=function(e,t){return e.__v.__b-t.__v.__b},se=Symbol(),Ge=/(PointerCapture)$|Capture$/i,ke=0,xe={},Ht=0;var ne,O,Ee,tt,Ie=Object.is,re=0,ut=[],je=[],C=S,nt=C.__b,rt=C.__r,ot=C.diffed,at=C.__c,st=C.unmount,it=C.__;function Re(e,t){C.__h&&C.__h(O,e,re||t),re=0;var n=O.__H||(O.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function x(e){return re=1,Qt(ft,e)}function Qt(e,t,n){var r=Re(ne++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):ft(void 0,t),function(o){var s=(r.__N||r.__)[0],i=r.t(s,o);Ie(s,i)||(r.__N=[i,r.__[1]],r.__c.setState({}))}],r.__c=O,!O.__f)){O.__f=!0;var a=O.shouldComponentUpdate;O.shouldComponentUpdate=function(o,s,i){var l=this.__H;if(!l)return!0;var d=!1,u=this.props!=o;if(l.__.some(function(_){_.__N&&(d=!0,Ie(_.__[0],_.__N[0])||(u=!0))}),a){var f=a.call(this,o,s,i);return d?f||u:f}return!d||u}}return r.__}function J(e,t){var n=Re(ne++,3);!C.__s&&dt(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,O.__H.__h.push(n))}function de(e){return re=5,fe(function(){return{current:e}},[])}function fe(e,t){var n=Re(ne++,7);return dt(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function pt(e,t){return re=8,fe(function(){return e},t)}function Kt(){var e;do{for(;e=je.shift();)try{te(e)}catch(n){C.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=ut.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(te),t.__h.some(qe),t.__h=[]}catch(n){t.__h=[],C.__e(n,e.__v)}}}while(je.length)}C.__b=function(e){O=null,nt&&nt(e)},C.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),it&&it(e,t)},C.__r=function(e){rt&&rt(e),ne=0;var t=(O=e.__c).__H;t&&(Ee==O?O.__h=[]:(t.__h.some(te),t.__h.some(qe),ne=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),Ee=O},C.diffed=function(e){ot&&ot(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&ct(ut.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),Ee=O=null},C.__c=function(e,t){t.some(function(n){try{n.__h.some(te),n.__h=n.__h.filter(function(r){return!r.__||qe(r)})}catch(r){n.__h=[function(){throw r}]}}),at&&at(e,t)},C.unmount=function(e){st&&st(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(a){try{if(a.__P&&a.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}a.__P=n,ct(je.push(a))}else te(a)}catch(o){t=o}}),r.__H=void 0,t&&C.__e(t,r.__v))};var lt=typeof requestAnimationFrame=="function";function Xt(e){var t,n=function(){clearTimeout(r),lt&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);lt&&(t=requestAnimationFrame(n))}function ct(e){e!=1&&tt==C.requestAnimationFrame||((tt=C.requestAnimationFrame)||Xt)(Kt)}function te(e){var t=O,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),O=t}function qe(e){var t=O;e.__c=e.__(),O=t}function dt(e,t){return!e||e.length!=t.length||t.some(function(n,r){return!Ie(n,e[r])})}function ft(e,t){return typeof t=="function"?t(e):t}var Zt=new URL(".",import.meta.url),Me="allframe-console-token";function Q(){try{return sessionStorage.getItem(Me)||""}catch{return""}}function Le(e){try{e?sessionStorage.setItem(Me,e):sessionStorage.removeItem(Me)}catch{}_e.forEach(t=>t())}var _e=new Set;function _t(e){return _e.add(e),()=>_e.delete(e)}var me=!1;function Ue(e){(e===401||e===403)&&(me=!0,_e.forEach(t=>t()))}function he(){let e=Q();return e?{Authorization:"Bearer "+e}:{}}var Ae=class extends Error{constructor(t,n){super(n),this.status=t}};async function P(e,t={}){let n=await fetch(new URL("api/"+e,Zt),{...t,headers:{Accept:"application/json",...he(),...t.headers||{}}});Ue(n.status);let r=await n.text(),a=null;try{a=r?JSON.parse(r):null}catch{a=r}if(!n.ok){let o=a&&(a.detail||a.error||a.message||a.title)||r||n.statusText;throw new Ae(n.status,`${n.status}: ${typeof o=="string"?o:JSON.stringify(o)}`)}return a}function V(e){let t=new URLSearchParams;for(let[r,a]of Object.entries(e))a!=null&&a!==""&&t.set(r,String(a));let n=t.toString();return n?"?"+n:""}var $e=location.origin;var ht=function(e,t,n,r){var a;t[0]=0;for(var o=1;o<t.length;o++){var s=t[o++],i=t[o]?(t[0]|=s?1:2,n[t[o++]]):t[++o];s===3?r[0]=i:s===4?r[1]=Object.assign(r[1]||{},i):s===5?(r[1]=r[1]||{})[t[++o]]=i:s===6?r[1][t[++o]]+=i+"":s?(a=e.apply(i,ht(e,i,n,["",null])),r.push(a),i[0]?t[0]|=2:(t[o-2]=0,t[o]=a)):r.push(i)}return r},mt=new Map;function $t(e){var t=mt.get(this);return t||(t=new Map,mt.set(this,t)),(t=ht(this,t.get(e)||(t.set(e,t=(function(n){for(var r,a,o=1,s="",i="",l=[0],d=function(_){o===1&&(_||(s=s.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?l.push(0,_,s):o===3&&(_||s)?(l.push(3,_,s),o=2):o===2&&s==="..."&&_?l.push(4,_,0):o===2&&s&&!_?l.push(5,0,!0,s):o>=5&&((s||!_&&o===5)&&(l.push(o,0,s,a),o=6),_&&(l.push(o,_,0,a),o=6)),s=""},u=0;u<n.length;u++){u&&(o===1&&d(),d(u));for(var f=0;f<n[u].length;f++)r=n[u][f],o===1?r==="<"?(d(),l=[l],o=3):s+=r:o===4?s==="--"&&r===">"?(o=1,s=""):s=r+s[0]:i?r===i?i="":s+=r:r==='"'||r==="'"?i=r:r===">"?(d(),o=1):o&&(r==="="?(o=5,a=s,s=""):r==="/"&&(o<5||n[u][f+1]===">")?(d(),o===3&&(l=l[0]),o=l,(l=l[0]).push(2,0,o),o=0):r===" "||r==="	"||r===`
`||r==="\r"?(d(),o=2):s+=r),o===3&&s==="!--"&&(o=4,l=l[0])}return d(),l})(e)),t),arguments,[])).length>1?t:t[0]}var c=$t.bind(Ce);function q(e,t,n=0,r=!0){let[a,o]=x({data:null,error:null}),s=de(0),i=pt(async()=>{let l=++s.current;try{let d=await e();l===s.current&&o({data:d,error:null})}catch(d){l===s.current&&o(u=>({data:u.data,error:d}))}},t);return J(()=>{if(i(),!n||!r)return;let l=setInterval(i,n);return()=>clearInterval(l)},[i,n,r]),{...a,reload:i}}function oe(e){return e===void 0?"":typeof e=="string"?e:JSON.stringify(e,null,2)}function z({value:e,label:t}){return c`<pre class="json" aria-label=${t}>${oe(e)}</pre>`}function gt({text:e,label:t="Copy"}){let[n,r]=x(!1);return c`<button type="button" class="small" onClick=${async()=>{try{await navigator.clipboard.writeText(e)}catch{let o=document.createElement("textarea");o.value=e,document.body.append(o),o.select();try{document.execCommand("copy")}catch{}o.remove()}r(!0),setTimeout(()=>r(!1),1200)}}>${n?"Copied":t}</button>`}function N({error:e}){return e?c`<p class="error" role="alert">${String(e.message||e)}</p>`:null}function A(e){if(!e)return"";let t=new Date(e);return isNaN(t)?String(e):new Date().toDateString()===t.toDateString()?t.toLocaleTimeString():t.toLocaleString()}function L(e){return e==null||isNaN(e)?"":e>=1e3?(e/1e3).toFixed(2)+" s":e>=10?e.toFixed(0)+" ms":e.toFixed(2)+" ms"}function yt(){let e=()=>location.hash.replace(/^#\/?/,"").split("/").map(r=>decodeURIComponent(r)).filter((r,a)=>r!==""||a===0),[t,n]=x(e);return J(()=>{let r=()=>n(e());return addEventListener("hashchange",r),()=>removeEventListener("hashchange",r)},[]),t}function I(...e){return"#/"+e.map(t=>encodeURIComponent(t)).join("/")}function K(e,t){let n=0;for(;t&&t.$ref&&n++<32;){let r=t.$ref.replace(/^#\/?/,"").split("/").filter(Boolean),a=e;for(let i of r)a=a&&a[i.replace(/~1/g,"/").replace(/~0/g,"~")];let{$ref:o,...s}=t;t={...a||{},...s}}if(t&&Array.isArray(t.anyOf)&&t.anyOf.length===1){let{anyOf:r,...a}=t;return K(e,{...r[0],...a})}if(t&&Array.isArray(t.allOf)){let{allOf:r,...a}=t,o={...a,properties:{...a.properties||{}},required:[...a.required||[]]};for(let s of r){let i=K(e,s);Object.assign(o.properties,i.properties||{}),o.required.push(...i.required||[]),!o.type&&i.type&&(o.type=i.type)}return o}return t||{}}function De(e){return Array.isArray(e.type)?e.type.find(t=>t!=="null")||"null":e.type?e.type:e.properties?"object":e.items?"array":e.enum?typeof e.enum[0]=="number"?"number":"string":""}function bt(e,t){let n=t.discriminator&&t.discriminator.propertyName,r={};if(t.discriminator&&t.discriminator.mapping)for(let[a,o]of Object.entries(t.discriminator.mapping))r[o]=a;return t.oneOf.map((a,o)=>{let s=K(e,a),i=a.$ref&&r[a.$ref]||n&&s.properties&&s.properties[n]&&s.properties[n].const;return i||(i=s.title||(a.$ref?a.$ref.split("/").pop():"variant "+(o+1))),{key:i,schema:s,prop:n}})}function X(e,t,n=0){let r=K(e,t);if(!(n>8)){if("default"in r)return r.default;if("const"in r)return r.const;if(Array.isArray(r.oneOf)&&r.oneOf.length){let[a]=bt(e,r),o=X(e,a.schema,n+1)||{};return a.prop&&(o[a.prop]=a.key),o}switch(De(r)){case"object":{let a={};for(let o of r.required||[]){let s=K(e,(r.properties||{})[o]||{}),i=De(s);i==="object"||s.oneOf||"const"in s?a[o]=X(e,s,n+1):i==="array"?a[o]=[]:i==="boolean"&&(a[o]=!1)}return a}case"array":return[];default:return}}}function Yt(e){let t=[];return e.minimum!==void 0&&t.push("≥ "+e.minimum),e.exclusiveMinimum!==void 0&&t.push("> "+e.exclusiveMinimum),e.maximum!==void 0&&t.push("≤ "+e.maximum),e.exclusiveMaximum!==void 0&&t.push("< "+e.exclusiveMaximum),e.minLength!==void 0&&t.push("≥ "+e.minLength+" chars"),e.maxLength!==void 0&&t.push("≤ "+e.maxLength+" chars"),e.minItems!==void 0&&t.push("≥ "+e.minItems+" items"),e.maxItems!==void 0&&t.push("≤ "+e.maxItems+" items"),e.pattern&&t.push("pattern "+e.pattern),e.format&&t.push(e.format),t.join(" · ")}function ge({name:e,required:t,schema:n}){return c`<span class="label-text">${e}${t?c`<abbr class="req" title="required" aria-hidden="true">*</abbr>`:""}</span>`}function ye({schema:e}){let t=Yt(e);return!e.description&&!t?null:c`<small class="help">${e.description||""}${e.description&&t?" — ":""}${t}</small>`}function vt({root:e,schema:t,value:n,onChange:r}){return c`<div class="schema-form">
    <${be} root=${e} schema=${t||{}} value=${n} onChange=${r} name="" required=${!0} top=${!0} />
  </div>`}function be({root:e,schema:t,value:n,onChange:r,name:a,required:o,top:s}){let i=K(e,t);if("const"in i)return null;if(Array.isArray(i.oneOf)&&i.oneOf.length)return c`<${nn} root=${e} s=${i} value=${n} onChange=${r} name=${a} required=${o} />`;let l=De(i);if(l==="object"&&i.properties){let u=n&&typeof n=="object"?n:{},f=new Set(i.required||[]),_=(h,v)=>{let m={...u};v===void 0?delete m[h]:m[h]=v,r(m)},p=Object.entries(i.properties).map(([h,v])=>c`<${be} key=${h} root=${e} schema=${v} value=${u[h]} onChange=${m=>_(h,m)} name=${h} required=${f.has(h)} />`);return s?c`<div class="fields">${p.length?p:c`<p class="muted">No input.</p>`}</div>`:c`<fieldset class="object"><legend><${ge} name=${a} required=${o} /></legend><${ye} schema=${i} />${p}</fieldset>`}if(l==="array"){let u=Array.isArray(n)?n:[],f=i.items||{};return c`<fieldset class="array">
      <legend><${ge} name=${a} required=${o} /></legend><${ye} schema=${i} />
      ${u.map((_,p)=>c`<div class="item" key=${p}>
          <${be} root=${e} schema=${f} value=${_} name=${`${a}[${p}]`}
            onChange=${h=>r(u.map((v,m)=>m===p?h:v))} required=${!1} />
          <button type="button" class="small" aria-label=${`Remove ${a}[${p}]`} onClick=${()=>r(u.filter((h,v)=>v!==p))}>Remove</button>
        </div>`)}
      <button type="button" class="small" aria-label=${`Add to ${a}`} onClick=${()=>r([...u,X(e,f)])}>Add</button>
    </fieldset>`}let d=en(e,i,l,n,r,a,o);return c`<label class="field"><${ge} name=${a} required=${o} />${d}<${ye} schema=${i} /></label>`}function en(e,t,n,r,a,o,s){if(Array.isArray(t.enum))return c`<select aria-label=${o} value=${r===void 0?"":String(r)}
      onChange=${i=>{let l=i.currentTarget.value;if(l==="")return a(void 0);let d=t.enum.find(u=>String(u)===l);a(d===void 0?l:d)}}>
      ${s?null:c`<option value="">—</option>`}
      ${t.enum.map(i=>c`<option value=${String(i)}>${String(i)}</option>`)}
    </select>`;switch(n){case"boolean":return c`<input type="checkbox" aria-label=${o} checked=${!!r} onChange=${i=>a(i.currentTarget.checked)} />`;case"integer":case"number":return c`<input type="number" aria-label=${o} required=${s}
        step=${n==="integer"?"1":"any"} min=${t.minimum} max=${t.maximum}
        value=${r===void 0?"":String(r)}
        onInput=${i=>{let l=i.currentTarget.value;if(l==="")return a(void 0);let d=Number(l);a(isNaN(d)?l:d)}} />`;case"string":return c`<input type="text" aria-label=${o} required=${s} maxLength=${t.maxLength}
        placeholder=${t.format==="date-time"?"2006-01-02T15:04:05Z":t.format||""}
        value=${r===void 0?"":String(r)}
        onInput=${i=>{let l=i.currentTarget.value;a(l===""&&!s?void 0:l)}} />`;default:return c`<${tn} name=${o} value=${r} onChange=${a} />`}}function tn({name:e,value:t,onChange:n}){return c`<textarea aria-label=${e} rows="3" class="mono" placeholder="JSON"
    value=${t===void 0?"":JSON.stringify(t)}
    onChange=${r=>{let a=r.currentTarget.value.trim();if(a==="")return n(void 0);try{n(JSON.parse(a)),r.currentTarget.setCustomValidity("")}catch(o){r.currentTarget.setCustomValidity(String(o.message)),r.currentTarget.reportValidity()}}}></textarea>`}function nn({root:e,s:t,value:n,onChange:r,name:a,required:o}){let s=bt(e,t),i=n&&typeof n=="object"?n:{},l=s.findIndex(f=>f.prop&&i[f.prop]===f.key);l<0&&(l=Math.max(0,s.findIndex(f=>f.key===i.__variant)));let d=s[l],u=f=>{let _=X(e,s[f].schema)||{};s[f].prop&&(_[s[f].prop]=s[f].key),r(_)};return c`<fieldset class="oneof">
    <legend><${ge} name=${a||"value"} required=${o} /></legend><${ye} schema=${t} />
    <label class="field"><span class="label-text">${a?a+" variant":"variant"}</span>
      <select aria-label=${(a?a+" ":"")+"variant"} value=${String(l)} onChange=${f=>u(Number(f.currentTarget.value))}>
        ${s.map((f,_)=>c`<option value=${String(_)}>${f.key}</option>`)}
      </select>
    </label>
    <${be} root=${e} schema=${d.schema} value=${i} onChange=${f=>r(d.prop?{...f,[d.prop]:d.key}:f)} name=${d.key} required=${!0} top=${!0} />
  </fieldset>`}function xt(e){switch(e.protocol){case"rest":return`REST ${e.method} ${e.path}`;case"graphql":return`GraphQL ${e.operationType} ${e.field}`;case"grpc":return`gRPC ${e.method}`;case"connect":return`Connect ${e.path}`;case"mcp":return`MCP tool ${e.tool}`;default:return e.protocol}}function kt(e){let t={};for(let n of(e||"").split(`
`)){let r=n.indexOf(":");r>0&&(t[n.slice(0,r).trim()]=n.slice(r+1).trim())}return t}function St(e,t,n,r,a={}){let o=r&&typeof r=="object"&&!Array.isArray(r)?r:{},s={...he(),...a};switch(n.protocol){case"rest":{let i=e.protocols&&e.protocols.rest&&e.protocols.rest.base||"",l=$=>String($).toLowerCase().replace(/[^a-z0-9]/g,""),d={...o},u=$=>{let w=$ in d?$:Object.keys(d).find(D=>l(D)===l($));if(w===void 0)return;let R=d[w];return delete d[w],R},f=$=>typeof $=="object"?JSON.stringify($):String($),_=n.path.replace(/\{([^}]+)\}/g,($,w)=>{let R=u(w.replace(/\.\.\.$/,""));return encodeURIComponent(R===void 0?"":f(R))});for(let $ of n.headerParams||[]){let w=u($);w!==void 0&&w!==""&&(s[$]=f(w))}let p=$e+i+_,h,v=n.body!==void 0?n.body:n.method!=="GET"&&n.method!=="DELETE",m=new URLSearchParams,b=Array.isArray(n.queryParams)&&(n.queryParams.length||v)?n.queryParams:Object.keys(d);for(let $ of b){let w=u($);w==null||w===""||(Array.isArray(w)?w.forEach(R=>m.append($,f(R))):m.set($,f(w)))}let y=m.toString();y&&(p+="?"+y),v&&(s["Content-Type"]="application/json",h=JSON.stringify(d));let k=n.stream==="sse"||t.kind==="stream"?"sse":"";return s.Accept=k?"text/event-stream":"application/json",{method:n.method,url:p,headers:s,body:h,stream:k}}case"graphql":{let i=n.path||e.protocols&&e.protocols.graphql&&e.protocols.graphql.path||"/graphql",l=n.variables==="input"?{input:o}:o;s["Content-Type"]="application/json";let d=n.operationType==="subscription"?"sse":"";return s.Accept=d?"text/event-stream":"application/graphql-response+json, application/json",{method:"POST",url:$e+i,headers:s,body:JSON.stringify({query:n.document,variables:l}),stream:d}}case"connect":{let i=e.protocols&&e.protocols.connect&&e.protocols.connect.base||"",l=$e+i+n.path,d=JSON.stringify(o);return n.stream?(s["Content-Type"]="application/connect+json",s["Connect-Protocol-Version"]="1",{method:"POST",url:l,headers:s,body:d,envelope:!0,stream:"connect"}):(s["Content-Type"]="application/json",s["Connect-Protocol-Version"]="1",{method:"POST",url:l,headers:s,body:d,stream:""})}default:throw new Error(`the console cannot call ${n.protocol} itself; copy the command instead`)}}function rn(e,t=0){let n=new TextEncoder().encode(e),r=new Uint8Array(5+n.length);return r[0]=t,new DataView(r.buffer).setUint32(1,n.length),r.set(n,5),r}function on(e){let t={};return e.headers.forEach((n,r)=>t[r]=n),t}function He(e){try{return JSON.parse(e)}catch{return e}}async function wt(e,{signal:t,onUpdate:n=()=>{}}={}){let r={request:e,response:null,items:[],ms:0,done:!1,error:null},a=performance.now(),o=()=>n({...r,items:[...r.items]}),s;try{s=await fetch(e.url,{method:e.method,headers:e.headers,body:e.envelope?rn(e.body):e.body,signal:t})}catch(l){return r.error=l.name==="AbortError"?"stopped":String(l.message||l),r.ms=performance.now()-a,r.done=!0,o(),r}Ue(s.status),r.ms=performance.now()-a,r.response={status:s.status,statusText:s.statusText,headers:on(s),body:null};let i=s.headers.get("content-type")||"";try{e.stream==="sse"&&s.ok&&i.includes("text/event-stream")?(o(),await an(s,l=>{r.items.push(l),o()})):e.stream==="connect"&&i.includes("application/connect+json")?(o(),await sn(s,(l,d)=>{d?(r.response.trailer=l,l&&l.error&&(r.error=`${l.error.code}: ${l.error.message||""}`)):r.items.push(l),o()})):r.response.body=He(await s.text())}catch(l){l.name!=="AbortError"?r.error=String(l.message||l):r.error="stopped"}return r.ms=performance.now()-a,r.done=!0,o(),r}async function an(e,t){let n=e.body.pipeThrough(new TextDecoderStream).getReader(),r="",a={event:"",id:"",data:[]};for(;;){let{value:o,done:s}=await n.read();if(s)break;r+=o;let i;for(;(i=r.search(/\r?\n/))>=0;){let l=r.slice(0,i);if(r=r.slice(i+(r[i]==="\r"?2:1)),l===""){if(a.data.length){let _={data:He(a.data.join(`
`))};if(a.event&&(_.event=a.event),a.id&&(_.id=a.id),t(_),a.event==="complete")return}a={event:"",id:"",data:[]};continue}if(l.startsWith(":"))continue;let d=l.indexOf(":"),u=d<0?l:l.slice(0,d),f=d<0?"":l.slice(d+1).replace(/^ /,"");u==="data"?a.data.push(f):u==="event"?a.event=f:u==="id"&&(a.id=f)}}}async function sn(e,t){let n=e.body.getReader(),r=new Uint8Array(0),a=new TextDecoder;for(;;){let{value:o,done:s}=await n.read();if(s)break;let i=new Uint8Array(r.length+o.length);for(i.set(r),i.set(o,r.length),r=i;r.length>=5;){let l=new DataView(r.buffer,r.byteOffset).getUint32(1);if(r.length<5+l)break;let d=r[0],u=He(a.decode(r.subarray(5,5+l)));r=r.slice(5+l),t(u,(d&2)!==0)}}}function G(e){return"'"+String(e).replace(/'/g,"'\\''")+"'"}function Ct(e){let t=["curl","-sS"];e.stream&&t.push("-N"),e.method!=="GET"&&t.push("-X",e.method),t.push(G(e.url));for(let[n,r]of Object.entries(e.headers))t.push("-H",G(`${n}: ${r}`));if(e.body!==void 0){if(e.envelope){let n=new TextEncoder().encode(e.body).length,r=[0,n>>>24&255,n>>>16&255,n>>>8&255,n&255].map(a=>"\\"+a.toString(8).padStart(3,"0")).join("");return`printf ${G(r+"%s")} ${G(e.body)} | ${t.join(" ")} --data-binary @- --output -`}t.push("-d",G(e.body))}return t.join(" ")}function Fe(e,t,n){let r=t.addr||e.protocols&&e.protocols.grpc&&e.protocols.grpc.addr||":9090",a=/^(?:|0\.0\.0\.0|\[::\]|::):(\d+)$/.exec(r);a&&(r=`${location.hostname}:${a[1]}`);let o=["grpcurl","-plaintext"],s=he();return s.Authorization&&o.push("-H",G("Authorization: "+s.Authorization)),o.push("-d",G(JSON.stringify(n||{})),r,t.method.replace(/^\//,"")),o.join(" ")}function Pt({info:e,ops:t,selected:n}){let[r,a]=x(""),o=t.filter(i=>!r||i.name.toLowerCase().includes(r.toLowerCase())),s=t.find(i=>i.name===n)||null;return c`<div class="split">
    <nav class="list" aria-label="Operations">
      <input type="search" aria-label="Filter operations" placeholder="Filter operations" value=${r} onInput=${i=>a(i.currentTarget.value)} />
      <ul>
        ${o.map(i=>c`<li key=${i.name}>
            <a href=${I("operations",i.name)} aria-current=${i===s?"page":void 0} class=${i===s?"active":""}>
              <span class=${"kind "+i.kind}>${i.kind}</span> ${i.name}${i.admin?c` <span class="tag">admin</span>`:""}${i.deprecated?c` <span class="tag warn">deprecated</span>`:""}
            </a>
          </li>`)}
      </ul>
    </nav>
    <section class="detail">
      ${s?c`<${pn} key=${s.name} info=${e} op=${s} />`:c`<${ln} ops=${o} />`}
    </section>
  </div>`}function ln({ops:e}){let t=(r,a)=>(r.endpoints||[]).find(o=>o.protocol===a),n=r=>{let a=t(r,"rest"),o=t(r,"graphql"),s=t(r,"grpc")||t(r,"connect"),i=t(r,"mcp");return[a?`${a.method} ${a.path}`:"",o?`${o.operationType} ${o.field}`:"",s?s.method||s.path:"",i?i.tool:""]};return c`<div class="scroll"><table class="grid" aria-label="Operations overview">
    <thead><tr><th>Operation</th><th>REST</th><th>GraphQL</th><th>gRPC / Connect</th><th>MCP</th></tr></thead>
    <tbody>${e.map(r=>c`<tr key=${r.name}><td title=${r.description||""}><a href=${I("operations",r.name)}>${r.name}</a> <span class=${"kind "+r.kind}>${r.kind}</span></td>
        ${n(r).map(a=>c`<td><code>${a}</code></td>`)}</tr>`)}</tbody>
  </table></div>`}function cn(e,t){switch(t.protocol){case"rest":return c`<td>REST</td><td><code>${t.method} ${t.path}</code>${t.stream?c` <span class="tag">${t.stream}</span>`:""}</td>`;case"graphql":return c`<td>GraphQL</td><td><code>${t.operationType} ${t.field}</code></td>`;case"grpc":return c`<td>gRPC</td><td><code>${t.method}</code> at <code>${t.addr||e.protocols.grpc&&e.protocols.grpc.addr||""}</code></td>`;case"connect":return c`<td>Connect</td><td><code>POST ${t.path}</code>${t.stream?c` <span class="tag">server stream</span>`:""}</td>`;case"mcp":return c`<td>MCP</td><td>tool <code>${t.tool}</code></td>`;default:return c`<td>${t.protocol}</td><td><code>${JSON.stringify(t)}</code></td>`}}var Tt={rest:"REST",graphql:"GraphQL",connect:"gRPC (Connect)"},un=["rest","graphql","grpc","connect","mcp"],Ot=e=>un.indexOf(e.protocol)+1||99;function Je(e){return[...e.endpoints||[]].sort((t,n)=>Ot(t)-Ot(n))}function pn({info:e,op:t}){let n=t.input||{},[r,a]=x(()=>X(n,n)||{}),o=Je(t).filter(g=>Tt[g.protocol]),[s,i]=x({}),[l,d]=x(o.length?o[0].protocol:""),[u,f]=x(""),[_,p]=x(null),[h,v]=x(!1),m=de(null);J(()=>()=>m.current&&m.current.abort(),[]);let b=o.find(g=>g.protocol===l),y=Je(t).find(g=>g.protocol==="grpc"),k=fe(()=>{if(!b)return null;try{let g=b.protocol==="rest"?Object.fromEntries(Object.entries(s).filter(([,T])=>T)):{};return St(e,t,b,r,{...g,...kt(u)})}catch{return null}},[b,r,u,s]),$=Object.keys(n&&n.properties||{}).map(g=>g.toLowerCase().replace(/[^a-z0-9]/g,"")),w=b&&b.protocol==="rest"?(b.headerParams||[]).filter(g=>!$.includes(g.toLowerCase().replace(/[^a-z0-9]/g,""))):[],R=async g=>{if(g.preventDefault(),!k)return;m.current&&m.current.abort();let T=new AbortController;m.current=T,v(!0);let U=Date.now();p({request:k,response:null,items:[],done:!1});let M=await wt(k,{signal:T.signal,onUpdate:E=>m.current===T&&p(E)});m.current===T&&(dn(t,b,U).then(E=>E&&m.current===null&&p({...M,trace:E})),m.current=null,v(!1))},D=()=>{m.current&&m.current.abort()},j=[];return k&&(j.push({name:l==="graphql"?"GraphQL (curl)":"curl",text:Ct(k)}),l==="connect"&&y&&j.push({name:"grpcurl",text:Fe(e,y,r)})),c`<article aria-label=${"Operation "+t.name}>
    <h2>${t.name} <span class=${"kind "+t.kind}>${t.kind}</span></h2>
    ${t.description?c`<p>${t.description}</p>`:null}
    <table class="endpoints" aria-label="Endpoints"><tbody>
      ${Je(t).map((g,T)=>c`<tr key=${T}>${cn(e,g)}</tr>`)}
    </tbody></table>
    <details><summary>Input schema</summary><${z} value=${t.input} label="Input schema" /></details>
    <details><summary>Output schema</summary><${z} value=${t.output} label="Output schema" /></details>
    ${y&&y.protocol&&!o.some(g=>g.protocol==="connect")?c`<p class="muted">gRPC proper needs HTTP/2 framing a browser cannot send; copy the grpcurl command: <code>${Fe(e,y,r)}</code></p>`:null}
    ${o.length?c`<form class="call" onSubmit=${R} aria-label=${"Call "+t.name}>
          <h3>Call</h3>
          <${vt} root=${n} schema=${n} value=${r} onChange=${a} />
          ${w.length?c`<fieldset class="headers"><legend><span class="label-text">REST headers</span></legend>
                ${w.map(g=>c`<label class="field" key=${g}><span class="label-text">${g}</span>
                    <input type="text" aria-label=${g} value=${s[g]||""} onInput=${T=>i({...s,[g]:T.currentTarget.value})} /></label>`)}</fieldset>`:null}
          <details><summary>Raw input (JSON)</summary>
            <textarea aria-label="Raw input" class="mono" rows="4" value=${JSON.stringify(r,null,2)}
              onChange=${g=>{try{a(JSON.parse(g.currentTarget.value))}catch{}}}></textarea>
          </details>
          <details><summary>Extra headers</summary>
            <textarea aria-label="Extra headers" class="mono" rows="2" placeholder="Idempotency-Key: 123" value=${u} onInput=${g=>f(g.currentTarget.value)}></textarea>
          </details>
          <div class="row">
            <label class="field inline"><span class="label-text">Protocol</span>
              <select aria-label="Protocol" value=${l} onChange=${g=>d(g.currentTarget.value)}>
                ${o.map(g=>c`<option value=${g.protocol}>${Tt[g.protocol]}</option>`)}
              </select>
            </label>
            <button type="submit" class="primary" disabled=${!k}>Send</button>
            ${h&&k&&k.stream?c`<button type="button" onClick=${D}>Stop</button>`:null}
            <span class="muted">${b?xt(b):""}</span>
          </div>
        </form>`:c`<p class="muted">No endpoint the browser can call (REST, GraphQL or Connect).</p>`}
    ${j.length?c`<section aria-label="Commands" class="commands">
          ${j.map(g=>c`<div class="command" key=${g.name}><div class="row"><strong>${g.name}</strong><${gt} text=${g.text} label=${"Copy "+g.name} /></div><pre class="mono">${g.text}</pre></div>`)}
        </section>`:null}
    ${_?c`<${_n} ex=${_} />`:null}
  </article>`}async function dn(e,t,n){for(let r=0;r<3;r++){try{let{traces:a}=await P("traces"+V({operation:e.name,protocol:t.protocol,limit:1})),o=a&&a[0];if(o&&Date.parse(o.start)>=n-1e3)return o.traceId}catch{return""}await new Promise(a=>setTimeout(a,300))}return""}function fn(e){if(!e)return"";let t=e.traceparent;if(t){let n=t.split("-");if(n.length>=3)return n[1]}return e["x-trace-id"]||e["trace-id"]||""}function _n({ex:e}){let{request:t,response:n}=e,r=e.trace||n&&fn(n.headers),a=e.error==="stopped",o=n&&n.status<400&&(!e.error||a);return c`<section class="exchange" aria-label="Exchange">
    <div class="half">
      <h3>Request</h3>
      <pre class="mono" aria-label="Request">${mn(t)}</pre>
    </div>
    <div class="half">
      <h3>Response ${n?c`<span class=${"status "+(o?"ok":"error")} aria-label="Status">${n.status} ${n.statusText}</span>`:null}
        <span class="muted">${e.done?L(e.ms):"…"}</span>
        ${r?c` <a href=${I("traces",r)} aria-label="Trace of this call">trace ${r.slice(0,8)}…</a>`:null}
      </h3>
      ${a?c`<p class="muted" role="status">Stopped.</p>`:c`<${N} error=${e.error} />`}
      ${n?c`<pre class="mono" aria-label="Response">${hn(n)}</pre>`:null}
      ${e.items&&(e.items.length||t.stream&&n)?c`<h4>Stream (${e.items.length} item${e.items.length===1?"":"s"}${e.done?", ended":", live"})</h4>
          <ol class="items" aria-label="Stream items">${e.items.map((s,i)=>c`<li key=${i}><code>${JSON.stringify(s)}</code></li>`)}</ol>`:null}
      ${n&&n.trailer?c`<h4>End of stream</h4><pre class="mono">${oe(n.trailer)}</pre>`:null}
    </div>
  </section>`}function mn(e){let t=[`${e.method} ${e.url}`,...Object.entries(e.headers).map(([n,r])=>`${n}: ${r}`)].join(`
`);return e.body!==void 0?t+`

`+oe($n(e.body)):t}function hn(e){let t=Object.entries(e.headers).map(([n,r])=>`${n}: ${r}`).join(`
`);return e.body!==null&&e.body!==void 0?t+`

`+oe(e.body):t}function $n(e){try{return JSON.parse(e)}catch{return e}}function Nt({info:e,ops:t,traceId:n}){return n?c`<${bn} id=${n} />`:c`<${gn} info=${e} ops=${t} />`}function gn({info:e,ops:t}){let[n,r]=x({protocol:"",operation:"",status:"",q:""}),[a,o]=x(!0),{data:s,error:i}=q(()=>P("traces"+V({...n,limit:100})),[n.protocol,n.operation,n.status,n.q],2e3,a),l=f=>_=>r({...n,[f]:_.currentTarget.value}),d=["rest","graphql","grpc","connect","grpc-web","mcp","inprocess"],u=s&&s.traces||[];return c`<section aria-label="Traces">
    <form class="filters row" onSubmit=${f=>f.preventDefault()}>
      <label class="field inline"><span class="label-text">Protocol</span>
        <select aria-label="Protocol filter" value=${n.protocol} onChange=${l("protocol")}>
          <option value="">all</option>${d.map(f=>c`<option value=${f}>${f}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Operation</span>
        <select aria-label="Operation filter" value=${n.operation} onChange=${l("operation")}>
          <option value="">all</option>${t.map(f=>c`<option value=${f.name}>${f.name}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Status</span>
        <select aria-label="Status filter" value=${n.status} onChange=${l("status")}>
          <option value="">all</option><option value="ok">ok</option><option value="error">error</option>
        </select></label>
      <label class="field inline"><span class="label-text">Search</span>
        <input type="search" aria-label="Search traces" value=${n.q} onInput=${l("q")} placeholder="id, name, attribute" /></label>
      <label class="field inline"><input type="checkbox" checked=${a} onChange=${f=>o(f.currentTarget.checked)} /> Auto-refresh</label>
    </form>
    <${N} error=${i} />
    <table class="grid" aria-label="Recent traces">
      <thead><tr><th>Time</th><th>Protocol</th><th>Operation</th><th>Status</th><th>Duration</th><th>Spans</th><th>Trace</th></tr></thead>
      <tbody>
        ${u.map(f=>c`<tr key=${f.traceId} class=${f.status==="error"?"error-row":""}>
            <td>${A(f.start)}</td><td>${f.protocol}</td><td>${f.operation||f.name}</td>
            <td><span class=${"status "+f.status}>${f.status}${f.code&&f.code!==f.status?" "+f.code:""}</span></td>
            <td class="num">${L(f.durationMs)}</td><td class="num">${f.spans}</td>
            <td><a href=${I("traces",f.traceId)} aria-label=${`Trace ${f.traceId} (${f.protocol} ${f.operation||f.name})`}><code>${f.traceId.slice(0,16)}</code></a></td>
          </tr>`)}
      </tbody>
    </table>
    ${s&&!u.length?c`<p class="muted">No traces yet: call an operation.</p>`:null}
  </section>`}function yn(e){let t=new Set(e.map(o=>o.spanId)),n=new Map;for(let o of e){let s=o.parentId&&t.has(o.parentId)?o.parentId:"";n.has(s)||n.set(s,[]),n.get(s).push(o)}let r=[],a=(o,s)=>{for(let i of(n.get(o)||[]).sort((l,d)=>l.offsetMs-d.offsetMs))r.push({span:i,depth:s}),s<64&&a(i.spanId,s+1)};return a("",0),r}function bn({id:e}){let{data:t,error:n}=q(()=>P("traces/"+encodeURIComponent(e)),[e]),[r,a]=x(null);if(n&&!t)return c`<p><a href=${I("traces")}>← Traces</a></p><${N} error=${n} />`;if(!t)return c`<p class="muted">Loading trace…</p>`;let o=t.spans||[],s=Math.max(.001,...o.map(d=>(d.offsetMs||0)+(d.durationMs||0))),i=yn(o),l=o.find(d=>d.spanId===r);return c`<section aria-label=${"Trace "+e}>
    <p class="row"><a href=${I("traces")}>← Traces</a>
      <span>Trace <code>${e}</code>, ${o.length} spans, ${L(s)}</span>
      ${t.link?c`<a href=${t.link} target="_blank" rel="noopener">Open in the trace viewer ↗</a>`:null}</p>
    <div class="waterfall" role="list" aria-label="Waterfall">
      ${i.map(({span:d,depth:u})=>c`<button type="button" role="listitem" key=${d.spanId}
            class=${"span-row"+(d.status==="error"?" error":"")+(d.spanId===r?" selected":"")}
            aria-label=${`Span ${d.name}`} onClick=${()=>a(d.spanId===r?null:d.spanId)}>
          <span class="span-name" style=${{paddingLeft:u*14+"px"}}>${d.name}${d.kind?c` <small class="muted">${d.kind}</small>`:""}</span>
          <span class="span-track">
            <span class="bar" style=${{left:(d.offsetMs||0)/s*100+"%",width:Math.max(.4,(d.durationMs||0)/s*100)+"%"}}></span>
          </span>
          <span class="span-ms num">${L(d.durationMs)}</span>
        </button>`)}
    </div>
    ${l?c`<div class="span-detail" aria-label="Span details">
          <h3>${l.name}</h3>
          <p>Status <span class=${"status "+l.status}>${l.status}</span>${l.statusMessage?" — "+l.statusMessage:""};
            starts at +${L(l.offsetMs)}, lasts ${L(l.durationMs)}; span <code>${l.spanId}</code>${l.parentId?c`, parent <code>${l.parentId}</code>`:""}</p>
          <table class="grid" aria-label="Attributes"><tbody>
            ${Object.entries(l.attributes||{}).map(([d,u])=>c`<tr key=${d}><th>${d}</th><td><code>${typeof u=="string"?u:JSON.stringify(u)}</code></td></tr>`)}
          </tbody></table>
          ${l.events&&l.events.length?c`<h4>Events</h4><${z} value=${l.events} label="Span events" />`:null}
        </div>`:c`<p class="muted">Click a span for its attributes.</p>`}
  </section>`}function vn({values:e,label:t,width:n=180,height:r=32}){let a=e&&e.length?e:[0],o=Math.max(...a,1e-4),s=a.length>1?n/(a.length-1):n,i=a.map((l,d)=>`${(d*s).toFixed(1)},${(r-2-l/o*(r-4)).toFixed(1)}`).join(" ");return c`<svg class="spark" width=${n} height=${r} viewBox=${`0 0 ${n} ${r}`} role="img" aria-label=${t}>
    <polyline points=${`0,${r} ${i} ${n},${r}`} class="area" />
    <polyline points=${i} class="line" />
  </svg>`}function Et(){let[e,t]=x(!0),{data:n,error:r}=q(()=>P("metrics"),[],1e3,e),a=n&&n.series||[],o=[...a].sort((s,i)=>s.operation.localeCompare(i.operation)||s.protocol.localeCompare(i.protocol));return c`<section aria-label="Metrics">
    <p class="row"><span class="muted">Requests per second over the last ${n&&n.windowSeconds||60} s, per operation and protocol.</span>
      <label class="field inline"><input type="checkbox" checked=${e} onChange=${s=>t(s.currentTarget.checked)} /> Live</label></p>
    <${N} error=${r} />
    <table class="grid" aria-label="Operation metrics">
      <thead><tr><th>Operation</th><th>Protocol</th><th>req/s (60 s)</th><th>last s</th><th>Count</th><th>Errors</th><th>p50</th><th>p99</th></tr></thead>
      <tbody>
        ${o.map(s=>{let i=s.rps||[],l=i.length>1?i[i.length-2]:i[0]||0;return c`<tr key=${s.operation+"/"+s.protocol}>
            <td>${s.operation}</td><td>${s.protocol}</td>
            <td><${vn} values=${i} label=${`${s.operation} over ${s.protocol}: requests per second`} /></td>
            <td class="num">${l.toFixed(1)}</td><td class="num">${s.count}</td>
            <td class=${"num"+(s.errors?" error-text":"")}>${s.errors}</td>
            <td class="num">${L(s.p50Ms)}</td><td class="num">${L(s.p99Ms)}</td>
          </tr>`})}
      </tbody>
    </table>
    ${n&&!a.length?c`<p class="muted">No requests in the window yet.</p>`:null}
  </section>`}function It({stream:e}){return e?c`<${Sn} name=${e} />`:c`<${xn} />`}function xn(){let[e,t]=x(""),[n,r]=x([""]),a=n[n.length-1],{data:o,error:s}=q(()=>P("streams"+V({prefix:e,after:a,limit:50})),[e,a],3e3),i=o&&o.streams||[];return c`<section aria-label="Streams">
    <form class="filters row" onSubmit=${l=>l.preventDefault()}>
      <label class="field inline"><span class="label-text">Prefix</span>
        <input type="search" aria-label="Stream prefix" value=${e} placeholder="account-"
          onInput=${l=>{t(l.currentTarget.value),r([""])}} /></label>
      <button type="button" disabled=${n.length<2} onClick=${()=>r(n.slice(0,-1))}>Previous page</button>
      <button type="button" disabled=${!(o&&o.next)} onClick=${()=>r([...n,o.next])}>Next page</button>
    </form>
    <${N} error=${s} />
    <table class="grid" aria-label="Streams list">
      <thead><tr><th>Stream</th><th>Version</th><th>Last event</th><th>Updated</th></tr></thead>
      <tbody>
        ${i.map(l=>c`<tr key=${l.stream}>
            <td><a href=${I("streams",l.stream)}><code>${l.stream}</code></a></td>
            <td class="num">${l.version}</td><td>${l.lastType}</td><td>${A(l.updated)}</td>
          </tr>`)}
      </tbody>
    </table>
    ${o&&!i.length?c`<p class="muted">No streams${e?" with that prefix":""}.</p>`:null}
  </section>`}function kn({m:e}){if(!e)return null;let{correlationId:t,causationId:n,traceId:r,...a}=e;return c`<dl class="meta">
    ${t?c`<dt>correlation</dt><dd><code>${t}</code></dd>`:null}
    ${n?c`<dt>causation</dt><dd><code>${n}</code></dd>`:null}
    ${r?c`<dt>trace</dt><dd><a href=${I("traces",r)}><code>${r}</code></a></dd>`:null}
    ${Object.entries(a).filter(([,o])=>o!==""&&o!==null&&o!==void 0).map(([o,s])=>c`<dt>${o}</dt><dd><code>${typeof s=="string"?s:JSON.stringify(s)}</code></dd>`)}
  </dl>`}function jt({e,showStream:t}){return c`<li class="event">
    <div class="row"><strong>${e.type}</strong>
      ${t?c`<a href=${I("streams",e.stream)}><code>${e.stream}</code></a>`:null}
      <span class="muted">v${e.version} · #${e.position} · ${A(e.time)}</span></div>
    <pre class="mono">${JSON.stringify(e.data)}</pre>
    <${kn} m=${e.metadata} />
  </li>`}function Sn({name:e}){let[t,n]=x(null),{data:r,error:a}=q(()=>P("streams/"+encodeURIComponent(e)+V({version:t})),[e,t],t===null?3e3:0),o=r?r.head:0,s=r?r.version:0,i=l=>n(Math.min(o,Math.max(1,l)));return c`<section aria-label=${"Stream "+e}>
    <p class="row"><a href=${I("streams")}>← Streams</a> <span>Stream <code>${e}</code>${r&&r.aggregate?c` · aggregate <code>${r.aggregate}</code>`:""}</span></p>
    <${N} error=${a} />
    ${r?c`<div class="timetravel row" role="group" aria-label="Time travel">
            <button type="button" aria-label="Previous version" disabled=${s<=1} onClick=${()=>i(s-1)}>◀</button>
            <label class="field inline"><span class="label-text">Version</span>
              <input type="range" aria-label="Version" min="1" max=${o} value=${s} onInput=${l=>i(Number(l.currentTarget.value))} /></label>
            <button type="button" aria-label="Next version" disabled=${s>=o} onClick=${()=>i(s+1)}>▶</button>
            <span aria-live="polite">version <strong aria-label="Shown version">${s}</strong> of ${o}</span>
            ${t!==null&&s<o?c`<button type="button" onClick=${()=>n(null)}>Back to the head</button>`:null}
          </div>
          <div class="cols">
            <div><h3>State at version ${s}</h3><${z} value=${r.state} label="State" /></div>
            <div><h3>Events that built it</h3>
              <ol class="events" aria-label="Stream events">${(r.events||[]).map(l=>c`<${jt} key=${l.position} e=${l} />`)}</ol></div>
          </div>`:c`<p class="muted">Loading…</p>`}
  </section>`}function qt(){let[e,t]=x({type:"",q:""}),[n,r]=x([0]),a=n[n.length-1],{data:o,error:s}=q(()=>P("events"+V({after:a,limit:100,type:e.type,q:e.q})),[a,e.type,e.q],3e3),i=d=>u=>{t({...e,[d]:u.currentTarget.value}),r([0])},l=o&&o.events||[];return c`<section aria-label="Event log">
    <form class="filters row" onSubmit=${d=>d.preventDefault()}>
      <label class="field inline"><span class="label-text">Type</span><input type="search" aria-label="Event type" value=${e.type} onInput=${i("type")} placeholder="bank.Deposited" /></label>
      <label class="field inline"><span class="label-text">Search</span><input type="search" aria-label="Search events" value=${e.q} onInput=${i("q")} placeholder="text in data or metadata" /></label>
      <button type="button" disabled=${n.length<2} onClick=${()=>r(n.slice(0,-1))}>Previous page</button>
      <button type="button" disabled=${!(o&&o.next&&o.next<o.head)} onClick=${()=>r([...n,o.next])}>Next page</button>
      <button type="button" disabled=${!o||o.head<=100} onClick=${()=>r([...n,Math.max(0,o.head-100)])}>Latest</button>
      ${o?c`<span class="muted">head #${o.head}</span>`:null}
    </form>
    <${N} error=${s} />
    <ol class="events" aria-label="Events">${l.map(d=>c`<${jt} key=${d.position} e=${d} showStream=${!0} />`)}</ol>
    ${o&&!l.length?c`<p class="muted">No events.</p>`:null}
  </section>`}function Rt(){let{data:e,error:t,reload:n}=q(()=>P("projections"),[],1e3),[r,a]=x(null),[o,s]=x(null),i=async u=>{s(null);try{await P("projections/"+encodeURIComponent(u)+"/rebuild",{method:"POST"}),a({name:u,seen:e}),n()}catch(f){s(f)}},l=e&&e.projections||[],d=null;if(r){let u=l.find(_=>_.name===r.name);d=e!==r.seen&&u&&u.lag===0&&u.status==="live"?`${r.name} rebuilt: lag 0 at position ${u.position}.`:`Rebuilding ${r.name}…`}return c`<section aria-label="Projections">
    ${d?c`<p role="status">${d}</p>`:null}
    <${N} error=${o} />
    <${N} error=${t} />
    <table class="grid" aria-label="Projections list">
      <thead><tr><th>Name</th><th>Kind</th><th>Position</th><th>Head</th><th>Lag</th><th>Status</th><th>Updated</th><th></th></tr></thead>
      <tbody>
        ${l.map(u=>c`<tr key=${u.name}>
            <td>${u.name}</td><td>${u.kind}</td><td class="num">${u.position}</td><td class="num">${u.head}</td>
            <td class=${"num"+(u.lag?" warn-text":"")} aria-label=${"Lag of "+u.name}>${u.lag}</td>
            <td><span class=${"status "+(u.status==="failed"?"error":u.status==="live"?"ok":"")}>${u.status}</span>${u.error?c` <span class="error-text">${u.error}</span>`:""}</td>
            <td>${A(u.updated)}</td>
            <td><button type="button" aria-label=${"Rebuild "+u.name} onClick=${()=>i(u.name)}>Rebuild</button></td>
          </tr>`)}
      </tbody>
    </table>
    ${e&&!l.length?c`<p class="muted">No projections.</p>`:null}
  </section>`}function Mt(){let{data:e,error:t}=q(()=>P("sagas"),[],2e3),n=e&&e.sagas||[];return c`<section aria-label="Sagas">
    <${N} error=${t} />
    ${n.map(r=>c`<div key=${r.name} class="saga"><h3>${r.name} <span class="muted">${(r.instances||[]).length} instances</span></h3>
        <table class="grid" aria-label=${"Saga "+r.name}>
          <thead><tr><th>Instance</th><th>Status</th><th>Started</th><th>Updated</th><th>Steps</th></tr></thead>
          <tbody>
            ${(r.instances||[]).map(a=>c`<tr key=${a.id}>
                <td><code>${a.id}</code></td><td><span class=${"status "+a.status}>${a.status}</span></td>
                <td>${A(a.started)}</td><td>${A(a.updated)}</td>
                <td><ol class="steps">${(a.steps||[]).map((o,s)=>c`<li key=${s} class=${"step "+o.status} title=${(o.at?A(o.at):"")+(o.error?" — "+o.error:"")}>
                    ${o.name}: ${o.status}${o.at?c` <small class="muted">${A(o.at)}</small>`:""}${o.error?c` <span class="error-text">(${o.error})</span>`:""}</li>`)}</ol></td>
              </tr>`)}
          </tbody>
        </table></div>`)}
    ${e&&!n.length?c`<p class="muted">No sagas.</p>`:null}
  </section>`}function At(){let{data:e,error:t}=q(()=>P("idempotency?limit=100"),[],3e3),n=e&&e.records||[];return c`<section aria-label="Idempotency">
    <${N} error=${t} />
    <table class="grid" aria-label="Idempotency records">
      <thead><tr><th>Scope</th><th>Key</th><th>Created</th><th>Result</th><th>Position</th><th>Response</th></tr></thead>
      <tbody>${n.map(r=>c`<tr key=${r.scope+"/"+r.key}><td>${r.scope}</td><td><code>${r.key}</code></td><td>${A(r.created)}</td>
          <td>${r.code}</td><td class="num">${r.position||""}</td><td><code>${r.response===void 0?"":JSON.stringify(r.response)}</code></td></tr>`)}</tbody>
    </table>
    ${e&&!n.length?c`<p class="muted">${e.supported===!1?"This event store cannot list its idempotency records.":"No idempotency records."}</p>`:null}
  </section>`}var wn=[{id:"operations",title:"Operations"},{id:"traces",title:"Traces"},{id:"metrics",title:"Metrics"},{id:"streams",title:"Event store",cqrs:!0},{id:"events",title:"Event log",cqrs:!0},{id:"projections",title:"Projections",cqrs:!0},{id:"sagas",title:"Sagas",cqrs:!0},{id:"idempotency",title:"Idempotency",cqrs:!0}];function Lt({info:e}){let[,t]=x(0);J(()=>_t(()=>t(o=>o+1)),[]);let[n,r]=x(Q());if(!e.auth&&!Q()&&!me)return null;let a=me&&!Q();return c`<form class=${"auth"+(a?" prompt":"")} onSubmit=${o=>{o.preventDefault(),Le(n.trim()),location.reload()}}>
    ${a?c`<p role="alert">The service refused a call: enter a bearer token.</p>`:null}
    <label class="field"><span class="label-text">Bearer token</span>
      <input type="password" aria-label="Bearer token" autocomplete="off" value=${n} onInput=${o=>r(o.currentTarget.value)} /></label>
    <div class="row"><button type="submit" class="small">Use token</button>
      ${Q()?c`<button type="button" class="small" onClick=${()=>{Le(""),r("")}}>Forget</button>`:null}</div>
  </form>`}function Cn(){let[e,t]=x(null),[n,r]=x([]),[a,o]=x(null),s=yt();if(J(()=>{(async()=>{try{let _=await P("info");t({..._,protocols:_.protocols||{}});let p=await P("operations");r(p&&p.operations||[])}catch(_){o(_)}})()},[]),!e)return c`<main class="boot">${a?c`<${N} error=${a} /><${Lt} info=${{auth:!0}} />`:c`<p class="loading">Loading…</p>`}</main>`;let i=wn.filter(_=>!_.cqrs||e.cqrs),l=i.some(_=>_.id===s[0])?s[0]:"operations",d=s.slice(1).join("/"),u=i.find(_=>_.id===l),f=Object.entries(e.protocols).filter(([,_])=>_).map(([_])=>_);return c`<div class="shell">
    <aside>
      <header>
        <h1>${e.service||"service"}</h1>
        <p class="muted">${e.version||""} · AllFrame console</p>
        <p class="protos">${f.map(_=>c`<span class="tag" key=${_}>${_}</span>`)}</p>
      </header>
      <nav aria-label="Panels"><ul>
        ${i.map(_=>c`<li key=${_.id}><a href=${I(_.id)} class=${_.id===l?"active":""} aria-current=${_.id===l?"page":void 0}>${_.title}</a></li>`)}
      </ul></nav>
      <${Lt} info=${e} />
    </aside>
    <main>
      <h2 class="panel-title">${u.title}</h2>
      <${N} error=${a} />
      ${l==="operations"?c`<${Pt} info=${e} ops=${n} selected=${d} />`:null}
      ${l==="traces"?c`<${Nt} info=${e} ops=${n} traceId=${d} />`:null}
      ${l==="metrics"?c`<${Et} />`:null}
      ${l==="streams"?c`<${It} stream=${d} />`:null}
      ${l==="events"?c`<${qt} />`:null}
      ${l==="projections"?c`<${Rt} />`:null}
      ${l==="sagas"?c`<${Mt} />`:null}
      ${l==="idempotency"?c`<${At} />`:null}
    </main>
  </div>`}var Ut=document.getElementById("app");Ut.textContent="";Ne(c`<${Cn} />`,Ut);
