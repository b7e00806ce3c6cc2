var k,Be,Lt,U,ve,le,We,se,ze,ke,xe,Ut,ee=Symbol.for("pv"),ce={},ue=[],Dt=/^m(i|n|o|s|text|space)$/,Se=Array.isArray,we=ue.slice,W=Object.assign;function B(e){e&&e.parentNode&&e.remove()}function Ce(e,t,n){var r,a,o,s={},i=arguments.length;for(o in t)o=="key"?r=t[o]:o=="ref"&&typeof e!="function"?a=t[o]:s[o]=t[o];return i>2&&(s.children=i>3?we.call(arguments,2):n),Z(e,s,r,a,null)}function Z(e,t,n,r,a){var o={type:e,props:t,key:n,ref:r,__k:null,__:null,__b:0,__e:null,__c:null,constructor:ee,__v:a||++Be,__i:-1,__u:0};return!a&&k.vnode&&k.vnode(o),o}function pe(e){return e.children}function Y(e,t){this.props=e,this.context=t,this.__g=0}function D(e,t){if(t==null)return e.__&&D(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:D(e)}function Ht(e){var t,n=e.__v,r=n.__e,a=[],o=[],s=e.__P;s&&((t=W({constructor:ee},n)).__v=n.__v+1,k.vnode&&k.vnode(t),Te(s,t,n,e.__n,s.namespaceURI,32&n.__u?[r]:null,a,r||D(n),32&n.__u,o),t.__v=n.__v,t.__.__k[t.__i]=t,Ye(a,t,o),n.__=n.__e=null,t.__e!=r&&Ge(t))}function Ge(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Ge(e)}function Je(e){(8&e.__g||(e.__g|=8,U.push(e),le++))&&ve==k.debounceRendering||((ve=k.debounceRendering)||queueMicrotask)(Qe)}function Qe(){try{for(var e,t=1;U.length;)U.length>t&&U.sort(We),e=U.shift(),t=U.length,8&e.__g&&Ht(e)}finally{(le=U.length)&&(ve||queueMicrotask)(Qe)}}function Ke(e,t,n,r,a,o,s,i,l,d,c){var f,_,p,m,y,$,v=r.__k||ue,b=t.length;for(l=Ft(n,t,v,l,b),f=0;f<b;f++)(p=n.__k[f])!=null&&(_=~p.__i&&v[p.__i]||ce,p.__i=f,$=Te(e,p,_,a,o,s,i,l,d,c),m=p.__e,(_.ref!=p.ref||8&_.__u)&&(_.ref&&Oe(_.ref,null,p,_),p.ref&&c.push(p.ref,p.__c||m,p)),y=y||m,4&p.__u?(l=Xe(p,l,e,!_.__v),_.__e&&(_.__e=null)):typeof p.type=="function"&&$!==void 0?l=$:m&&(l=m.nextSibling),p.__u&=-21);return n.__e=y,l}function Ft(e,t,n,r,a){var o,s,i,l,d,c,f,_,p,m=n.length,y=m,$=0,v=0,b=e.__k=Array(a);for(o=0;o<a;o++)(s=t[o])!=null&&typeof s!="boolean"&&typeof s!="function"?(typeof s!="object"||s.constructor===String?s=b[o]=Z(null,s):Se(s)?s=b[o]=Z(pe,{children:s}):s.constructor===ee&&s.__b?s=b[o]=Z(s.type,s.props,s.key,s.ref,s.__v):b[o]=s,l=o+$,s.__=e,s.__b=e.__b+1,i=null,~(d=s.__i=Jt(s,n,l,y))&&(y--,(i=n[d])&&(i.__u|=2)),i&&i.__v?(s.__u|=16,d==l-1?$--:d==l+1?$++:d!=l&&(d>l?$--:$++,v=1)):(~d||(a>m?$--:a<m&&$++),typeof s.type!="function"&&(s.__u|=4))):b[o]=null;if(v){for(c=[],f=[],o=0;o<a;o++)if((s=b[o])&&16&s.__u){for($=0,_=c.length;$<_;)c[p=$+_>>1]<s.__i?$=p+1:_=p;c[$]=s.__i,f[o]=$+1}for($=c.length;o--;)f[o]&&(f[o]==$?$--:b[o].__u|=4)}if(y)for(o=0;o<m;o++)!(i=n[o])||2&i.__u||(i.__e==r&&(r=D(i)),Pe(i,i));return r}function Xe(e,t,n,r){var a,o,s,i;if(typeof e.type=="function"){if(e.props.__P)return t;if(a=e.__k)for(o=0;o<a.length;o++)a[o]&&(a[o].__=e,t=Xe(a[o],t,n,!1));return t}for(t&&!t.parentNode&&(t=D(e))&&!t.parentNode&&(t=null),s=e.__e,i=t;i&&i.nodeType==8;)i=i.nextSibling;for(s!=i&&(!r&&n.moveBefore&&s.parentNode?n.moveBefore(s,t):n.insertBefore(s,t||null)),t=s;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Jt(e,t,n,r){var a,o=e.key,s=e.type,i=t[n],l=i&&!(2&i.__u);if(i===null&&o==null||l&&o==i.key&&s==i.type)return n;if(r>(l?1:0)){for(a=n-1;a>=0;a--)if((i=t[a])&&!(2&i.__u)&&o==i.key&&s==i.type)return a;for(a=n+1;a<t.length;a++)if((i=t[a])&&!(2&i.__u)&&o==i.key&&s==i.type)return a}return-1}function Ve(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function ae(e,t,n,r,a){var o,s;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof r=="string"&&(e.style.cssText=r=""),r)for(t in r)n&&t in n||Ve(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||Ve(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof r!="function"&&(r=null),(e.__e||(e.__e={}))[t]=n,n&&r||(s=xe[t]||(xe[t]=Vt(t)),(e.__a||(e.__a={}))[t]=ke,o=t!=(t=t.replace(ze,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,s,o):e.removeEventListener(t,s,o));else{if(a=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function Vt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[se]==null)t[se]=ke++;else if(t[se]<this.__a[e])return;return n(k.event?k.event(t):t)}}}function Te(e,t,n,r,a,o,s,i,l,d){var c,f,_,p,m,y,$,v,b,S,g,h,P,A,R,J,L,V,M=t.type;if(t.constructor!==ee)return null;128&n.__u&&(l=32&n.__u,c=n.__c.__z)&&(t.__u|=l,f=o=[],c.nodeType==8?i=ie(c,o):o.push(c),i=o[0]||i),(c=k.__b)&&c(t);e:if(typeof M=="function"){_=s.length;try{if(v=t.props,b=(c=M.prototype)&&c.render,S=(c=M.contextType)&&r[c.__c],g=c?S?S.props.value:c.__:r,(p=n.__c)?(t.__c=p,2&p.__g&&(p.__g|=1)):(b?t.__c=p=new M(v,g):(t.__c=p=new Y(v,g),p.constructor=M,p.render=Wt),S&&S.sub(p),p.state||(p.state={}),p.__n=r,p.__g|=8,p.__h=[],p.__k=[]),b&&(p.__s||(p.__s=p.state),M.getDerivedStateFromProps&&(p.__s==p.state&&(p.__s=W({},p.__s)),W(p.__s,M.getDerivedStateFromProps(v,p.__s)))),m=p.props,y=p.state,p.__v=t,n.__c){if(v!==m&&b&&!M.getDerivedStateFromProps&&p.componentWillReceiveProps&&p.componentWillReceiveProps(v,g),t.__v==n.__v&&!(8&p.__g)||!(4&p.__g)&&p.shouldComponentUpdate&&p.shouldComponentUpdate(v,p.__s,g)===!1){t.__v!=n.__v&&(p.props=v,p.state=p.__s,p.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(E){E&&(E.__=t)}),ue.push.apply(p.__h,p.__k),p.__k=[],p.__h.length&&s.push(p),i=D(n);break e}p.componentWillUpdate&&p.componentWillUpdate(v,p.__s,g),b&&p.componentDidUpdate&&p.__h.push(function(){p.componentDidUpdate(m,y,$)})}else b&&!M.getDerivedStateFromProps&&p.componentWillMount&&p.componentWillMount(),b&&p.componentDidMount&&p.__h.push(p.componentDidMount);p.context=g,p.props=v,p.__P=e,p.__g&=-5,h=k.__r,P=b?25:0;do p.__g&=-9,h&&h(t),c=p.render(p.props,p.state=p.__s,p.context);while(8&p.__g&&++P<25);b&&(ue.push.apply(p.__h,p.__k),p.__k=[]),p.state=p.__s,p.getChildContext&&(r=W({},r,p.getChildContext())),b&&n.__c&&p.getSnapshotBeforeUpdate&&($=p.getSnapshotBeforeUpdate(m,y)),A=c&&c.type===pe&&c.key==null?c.props.children:c,v.__P&&(c=i,a=(e=v.__P).namespaceURI,l=o=null,n.props&&n.props.__P!=e&&(n.__k.some(function(E){E&&Pe(E,E)}),n.__k=null),i=n.__k?D(n,0):null),i=Ke(e,Se(A)?A:[A],t,n,r,a,o,s,i,l,d),v.__P&&(t.__e=null,i=c),t.__u&=-161,f&&f.some(B),p.__h.length&&s.push(p),1&p.__g&&(p.__g&=-4)}catch(E){if(s.length=_,t.__v=null,l||o)if(E&&E.then){if(t.__u|=128|l,o){for(~(L=o.indexOf(i||void 0))||(L=o.length);(V=o[L-1])&&V.nodeType==8;)L--;for(;L<o.length;L++)if(V=o[L])if(o[L]=null,R){if(V==J)break}else{if(V.nodeType!=8)break;V.data.startsWith("$s")&&(J=ie(R=V))}}if(!R){for(;i&&i.nodeType==8&&i.nextSibling;)i=i.nextSibling;R=i}(c=ie(R=t.__c.__z||(t.__c.__z=R)))?(t.__e=R,i=c):t.__e=i,i=i&&i.nextSibling}else o&&o.some(B);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),E&&E.then||Ze(t),k.__e(E,t,n)}}else i=t.__e=Bt(n.__e,t,n,r,a,o,s,l,d,e);return(c=k.diffed)&&c(t),i}function ie(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function Ze(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(Ze))}function Ye(e,t,n){for(var r=0;r<n.length;)Oe(n[r++],n[r++],n[r++]);k.__c&&k.__c(t,e),e.some(function(a){try{e=a.__h,a.__h=[],e.some(function(o){o.call(a)})}catch(o){k.__e(o,a.__v)}})}function Bt(e,t,n,r,a,o,s,i,l,d){var c,f,_,p,m,y,$,v,b=n.props||ce,S=t.props,g=t.type;if(g=="svg"?a="http://www.w3.org/2000/svg":g=="math"?a="http://www.w3.org/1998/Math/MathML":a||(a="http://www.w3.org/1999/xhtml"),o){for(c=0;c<o.length;c++)if((m=o[c])&&(g?m.localName==g:m.nodeType==3)){e=m,o[c]=null;break}}if(!e){if(v=d.ownerDocument||document,!g)return v.createTextNode(S);e=v.createElementNS(a,g,S.is?S:d),i&&(k.__m&&k.__m(t,o),i=!1),o=null}if(g){if(d=g=="template"&&e.content||e,o=g=="textarea"&&S.defaultValue!=null?null:o&&we.call(d.childNodes),!i&&o)for(b={},c=0;c<e.attributes.length;c++)b[(m=e.attributes[c]).name]=m.value;for(c in b)m=b[c],c=="dangerouslySetInnerHTML"?_=m:c=="children"||c in S||c=="value"&&"defaultValue"in S||c=="checked"&&"defaultChecked"in S||ae(e,c,null,m,a);for(c in S)m=S[c],c=="children"?p=m:c=="dangerouslySetInnerHTML"?f=m:c=="value"?y=m:c=="checked"?$=m:i&&typeof m!="function"||b[c]===m||ae(e,c,m,b[c],a);f?(i||_&&(f.__html==_.__html||f.__html==e.innerHTML)||(e.innerHTML=f.__html),t.__k=[]):(_&&(e.textContent=""),(g=="foreignObject"||a=="http://www.w3.org/1998/Math/MathML"&&Dt.test(g))&&(a="http://www.w3.org/1999/xhtml"),Ke(d,Se(p)?p:[p],t,n,r,a,o,s,o?o[0]:n.__k&&D(n,0),i,l),o&&o.some(B)),i&&g!="textarea"||(c="value",g=="progress"&&y==null?e.removeAttribute(c):y==null||y===e[c]&&(g!="progress"||y)||ae(e,c,y,b[c],a),c="checked",$!=null&&$!=e[c]&&ae(e,c,$,b[c],a))}else b===S||i&&e.data==S||(e.data=S);return e}function Oe(e,t,n,r){try{typeof e=="function"?t?t.__x=e(t)||1:r&&(r=r.__c||r.__e)&&(t=r.__x)&&(r.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(a){k.__e(a,n)}}function Pe(e,t,n){var r,a,o,s;if(k.unmount&&k.unmount(e),!(r=e.ref)||r.current&&r.current!=e.__e||Oe(r,null,t,e),r=e.__c){if(r.componentWillUnmount)try{r.componentWillUnmount()}catch(i){k.__e(i,t)}r.__P=r.__n=null}if(r=e.__k)for(s=0;s<r.length;s++)r[s]&&Pe(r[s],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(r=e.__c)&&(r=r.__z)&&(a=ie(r,o=[]))&&(r==e.__e&&o.some(B),B(a),B(r)),n||B(e.__e),e.__e=e.__c=e.__=null}function Wt(e,t,n){return this.constructor(e,n)}function Ne(e,t){var n,r,a,o;k.__&&k.__(e,t),t.nodeType==9&&(t=t.documentElement),r=(n=e&&32&e.__u)?null:t.__k,t.__k=Z(pe,{children:[e]}),a=[],o=[],Te(t,t.__k,r||ce,ce,t.namespaceURI,r?null:t.firstChild?we.call(t.childNodes):null,a,r?r.__e:t.firstChild,n,o),Ye(a,t.__k,o),t.__k.props.children=null}k={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(i){e=i}}throw le=0,e}},Be=0,Lt=function(e){return e!=null&&e.constructor===ee},Y.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=W({},this.state)),typeof e=="function"&&(e=e(W({},n),this.props)),e&&(W(n,e),this.__v&&(t&&this.__k.push(t),Je(this)))},Y.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Je(this))},Y.prototype.render=pe,U=[],le=0,We=function(e,t){return e.__v.__b-t.__v.__b},se=Symbol(),ze=/(PointerCapture)$|Capture$/i,ke=0,xe={},Ut=0;var ne,C,Ee,et,Ie=Object.is,re=0,ct=[],je=[],w=k,tt=w.__b,nt=w.__r,rt=w.diffed,ot=w.__c,at=w.unmount,st=w.__;function Re(e,t){w.__h&&w.__h(C,e,re||t),re=0;var n=C.__H||(C.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function x(e){return re=1,zt(dt,e)}function zt(e,t,n){var r=Re(ne++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):dt(void 0,t),function(o){var s=(r.__N||r.__)[0],i=r.t(s,o);Ie(s,i)||(r.__N=[i,r.__[1]],r.__c.setState({}))}],r.__c=C,!C.__f)){C.__f=!0;var a=C.shouldComponentUpdate;C.shouldComponentUpdate=function(o,s,i){var l=this.__H;if(!l)return!0;var d=!1,c=this.props!=o;if(l.__.some(function(_){_.__N&&(d=!0,Ie(_.__[0],_.__N[0])||(c=!0))}),a){var f=a.call(this,o,s,i);return d?f||c:f}return!d||c}}return r.__}function H(e,t){var n=Re(ne++,3);!w.__s&&pt(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,C.__H.__h.push(n))}function de(e){return re=5,fe(function(){return{current:e}},[])}function fe(e,t){var n=Re(ne++,7);return pt(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function ut(e,t){return re=8,fe(function(){return e},t)}function Gt(){var e;do{for(;e=je.shift();)try{te(e)}catch(n){w.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=ct.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(te),t.__h.some(qe),t.__h=[]}catch(n){t.__h=[],w.__e(n,e.__v)}}}while(je.length)}w.__b=function(e){C=null,tt&&tt(e)},w.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),st&&st(e,t)},w.__r=function(e){nt&&nt(e),ne=0;var t=(C=e.__c).__H;t&&(Ee==C?C.__h=[]:(t.__h.some(te),t.__h.some(qe),ne=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),Ee=C},w.diffed=function(e){rt&&rt(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&lt(ct.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),Ee=C=null},w.__c=function(e,t){t.some(function(n){try{n.__h.some(te),n.__h=n.__h.filter(function(r){return!r.__||qe(r)})}catch(r){n.__h=[function(){throw r}]}}),ot&&ot(e,t)},w.unmount=function(e){at&&at(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(a){try{if(a.__P&&a.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}a.__P=n,lt(je.push(a))}else te(a)}catch(o){t=o}}),r.__H=void 0,t&&w.__e(t,r.__v))};var it=typeof requestAnimationFrame=="function";function Qt(e){var t,n=function(){clearTimeout(r),it&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);it&&(t=requestAnimationFrame(n))}function lt(e){e!=1&&et==w.requestAnimationFrame||((et=w.requestAnimationFrame)||Qt)(Gt)}function te(e){var t=C,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),C=t}function qe(e){var t=C;e.__c=e.__(),C=t}function pt(e,t){return!e||e.length!=t.length||t.some(function(n,r){return!Ie(n,e[r])})}function dt(e,t){return typeof t=="function"?t(e):t}var Kt=new URL(".",import.meta.url),Me="allframe-console-token";function Q(){try{return sessionStorage.getItem(Me)||""}catch{return""}}function Le(e){try{e?sessionStorage.setItem(Me,e):sessionStorage.removeItem(Me)}catch{}_e.forEach(t=>t())}var _e=new Set;function ft(e){return _e.add(e),()=>_e.delete(e)}var me=!1;function Ue(e){(e===401||e===403)&&(me=!0,_e.forEach(t=>t()))}function he(){let e=Q();return e?{Authorization:"Bearer "+e}:{}}var Ae=class extends Error{constructor(t,n){super(n),this.status=t}};async function T(e,t={}){let n=await fetch(new URL("api/"+e,Kt),{...t,headers:{Accept:"application/json",...he(),...t.headers||{}}});Ue(n.status);let r=await n.text(),a=null;try{a=r?JSON.parse(r):null}catch{a=r}if(!n.ok){let o=a&&(a.detail||a.error||a.message||a.title)||r||n.statusText;throw new Ae(n.status,`${n.status}: ${typeof o=="string"?o:JSON.stringify(o)}`)}return a}function F(e){let t=new URLSearchParams;for(let[r,a]of Object.entries(e))a!=null&&a!==""&&t.set(r,String(a));let n=t.toString();return n?"?"+n:""}var $e=location.origin;var mt=function(e,t,n,r){var a;t[0]=0;for(var o=1;o<t.length;o++){var s=t[o++],i=t[o]?(t[0]|=s?1:2,n[t[o++]]):t[++o];s===3?r[0]=i:s===4?r[1]=Object.assign(r[1]||{},i):s===5?(r[1]=r[1]||{})[t[++o]]=i:s===6?r[1][t[++o]]+=i+"":s?(a=e.apply(i,mt(e,i,n,["",null])),r.push(a),i[0]?t[0]|=2:(t[o-2]=0,t[o]=a)):r.push(i)}return r},_t=new Map;function ht(e){var t=_t.get(this);return t||(t=new Map,_t.set(this,t)),(t=mt(this,t.get(e)||(t.set(e,t=(function(n){for(var r,a,o=1,s="",i="",l=[0],d=function(_){o===1&&(_||(s=s.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?l.push(0,_,s):o===3&&(_||s)?(l.push(3,_,s),o=2):o===2&&s==="..."&&_?l.push(4,_,0):o===2&&s&&!_?l.push(5,0,!0,s):o>=5&&((s||!_&&o===5)&&(l.push(o,0,s,a),o=6),_&&(l.push(o,_,0,a),o=6)),s=""},c=0;c<n.length;c++){c&&(o===1&&d(),d(c));for(var f=0;f<n[c].length;f++)r=n[c][f],o===1?r==="<"?(d(),l=[l],o=3):s+=r:o===4?s==="--"&&r===">"?(o=1,s=""):s=r+s[0]:i?r===i?i="":s+=r:r==='"'||r==="'"?i=r:r===">"?(d(),o=1):o&&(r==="="?(o=5,a=s,s=""):r==="/"&&(o<5||n[c][f+1]===">")?(d(),o===3&&(l=l[0]),o=l,(l=l[0]).push(2,0,o),o=0):r===" "||r==="	"||r===`
`||r==="\r"?(d(),o=2):s+=r),o===3&&s==="!--"&&(o=4,l=l[0])}return d(),l})(e)),t),arguments,[])).length>1?t:t[0]}var u=ht.bind(Ce);function I(e,t,n=0,r=!0){let[a,o]=x({data:null,error:null}),s=de(0),i=ut(async()=>{let l=++s.current;try{let d=await e();l===s.current&&o({data:d,error:null})}catch(d){l===s.current&&o(c=>({data:c.data,error:d}))}},t);return H(()=>{if(i(),!n||!r)return;let l=setInterval(i,n);return()=>clearInterval(l)},[i,n,r]),{...a,reload:i}}function oe(e){return e===void 0?"":typeof e=="string"?e:JSON.stringify(e,null,2)}function z({value:e,label:t}){return u`<pre class="json" aria-label=${t}>${oe(e)}</pre>`}function $t({text:e,label:t="Copy"}){let[n,r]=x(!1);return u`<button type="button" class="small" onClick=${async()=>{try{await navigator.clipboard.writeText(e)}catch{let o=document.createElement("textarea");o.value=e,document.body.append(o),o.select();try{document.execCommand("copy")}catch{}o.remove()}r(!0),setTimeout(()=>r(!1),1200)}}>${n?"Copied":t}</button>`}function O({error:e}){return e?u`<p class="error" role="alert">${String(e.message||e)}</p>`:null}function q(e){if(!e)return"";let t=new Date(e);return isNaN(t)?String(e):new Date().toDateString()===t.toDateString()?t.toLocaleTimeString():t.toLocaleString()}function j(e){return e==null||isNaN(e)?"":e>=1e3?(e/1e3).toFixed(2)+" s":e>=10?e.toFixed(0)+" ms":e.toFixed(2)+" ms"}function gt(){let e=()=>location.hash.replace(/^#\/?/,"").split("/").map(r=>decodeURIComponent(r)).filter((r,a)=>r!==""||a===0),[t,n]=x(e);return H(()=>{let r=()=>n(e());return addEventListener("hashchange",r),()=>removeEventListener("hashchange",r)},[]),t}function N(...e){return"#/"+e.map(t=>encodeURIComponent(t)).join("/")}function K(e,t){let n=0;for(;t&&t.$ref&&n++<32;){let r=t.$ref.replace(/^#\/?/,"").split("/").filter(Boolean),a=e;for(let i of r)a=a&&a[i.replace(/~1/g,"/").replace(/~0/g,"~")];let{$ref:o,...s}=t;t={...a||{},...s}}if(t&&Array.isArray(t.anyOf)&&t.anyOf.length===1){let{anyOf:r,...a}=t;return K(e,{...r[0],...a})}if(t&&Array.isArray(t.allOf)){let{allOf:r,...a}=t,o={...a,properties:{...a.properties||{}},required:[...a.required||[]]};for(let s of r){let i=K(e,s);Object.assign(o.properties,i.properties||{}),o.required.push(...i.required||[]),!o.type&&i.type&&(o.type=i.type)}return o}return t||{}}function De(e){return Array.isArray(e.type)?e.type.find(t=>t!=="null")||"null":e.type?e.type:e.properties?"object":e.items?"array":e.enum?typeof e.enum[0]=="number"?"number":"string":""}function yt(e,t){let n=t.discriminator&&t.discriminator.propertyName,r={};if(t.discriminator&&t.discriminator.mapping)for(let[a,o]of Object.entries(t.discriminator.mapping))r[o]=a;return t.oneOf.map((a,o)=>{let s=K(e,a),i=a.$ref&&r[a.$ref]||n&&s.properties&&s.properties[n]&&s.properties[n].const;return i||(i=s.title||(a.$ref?a.$ref.split("/").pop():"variant "+(o+1))),{key:i,schema:s,prop:n}})}function X(e,t,n=0){let r=K(e,t);if(!(n>8)){if("default"in r)return r.default;if("const"in r)return r.const;if(Array.isArray(r.oneOf)&&r.oneOf.length){let[a]=yt(e,r),o=X(e,a.schema,n+1)||{};return a.prop&&(o[a.prop]=a.key),o}switch(De(r)){case"object":{let a={};for(let o of r.required||[]){let s=K(e,(r.properties||{})[o]||{}),i=De(s);i==="object"||s.oneOf||"const"in s?a[o]=X(e,s,n+1):i==="array"?a[o]=[]:i==="boolean"&&(a[o]=!1)}return a}case"array":return[];default:return}}}function Xt(e){let t=[];return e.minimum!==void 0&&t.push("≥ "+e.minimum),e.exclusiveMinimum!==void 0&&t.push("> "+e.exclusiveMinimum),e.maximum!==void 0&&t.push("≤ "+e.maximum),e.exclusiveMaximum!==void 0&&t.push("< "+e.exclusiveMaximum),e.minLength!==void 0&&t.push("≥ "+e.minLength+" chars"),e.maxLength!==void 0&&t.push("≤ "+e.maxLength+" chars"),e.minItems!==void 0&&t.push("≥ "+e.minItems+" items"),e.maxItems!==void 0&&t.push("≤ "+e.maxItems+" items"),e.pattern&&t.push("pattern "+e.pattern),e.format&&t.push(e.format),t.join(" · ")}function ge({name:e,required:t,schema:n}){return u`<span class="label-text">${e}${t?u`<abbr class="req" title="required" aria-hidden="true">*</abbr>`:""}</span>`}function ye({schema:e}){let t=Xt(e);return!e.description&&!t?null:u`<small class="help">${e.description||""}${e.description&&t?" — ":""}${t}</small>`}function bt({root:e,schema:t,value:n,onChange:r}){return u`<div class="schema-form">
    <${be} root=${e} schema=${t||{}} value=${n} onChange=${r} name="" required=${!0} top=${!0} />
  </div>`}function be({root:e,schema:t,value:n,onChange:r,name:a,required:o,top:s}){let i=K(e,t);if("const"in i)return null;if(Array.isArray(i.oneOf)&&i.oneOf.length)return u`<${en} root=${e} s=${i} value=${n} onChange=${r} name=${a} required=${o} />`;let l=De(i);if(l==="object"&&i.properties){let c=n&&typeof n=="object"?n:{},f=new Set(i.required||[]),_=(m,y)=>{let $={...c};y===void 0?delete $[m]:$[m]=y,r($)},p=Object.entries(i.properties).map(([m,y])=>u`<${be} key=${m} root=${e} schema=${y} value=${c[m]} onChange=${$=>_(m,$)} name=${m} required=${f.has(m)} />`);return s?u`<div class="fields">${p.length?p:u`<p class="muted">No input.</p>`}</div>`:u`<fieldset class="object"><legend><${ge} name=${a} required=${o} /></legend><${ye} schema=${i} />${p}</fieldset>`}if(l==="array"){let c=Array.isArray(n)?n:[],f=i.items||{};return u`<fieldset class="array">
      <legend><${ge} name=${a} required=${o} /></legend><${ye} schema=${i} />
      ${c.map((_,p)=>u`<div class="item" key=${p}>
          <${be} root=${e} schema=${f} value=${_} name=${`${a}[${p}]`}
            onChange=${m=>r(c.map((y,$)=>$===p?m:y))} required=${!1} />
          <button type="button" class="small" aria-label=${`Remove ${a}[${p}]`} onClick=${()=>r(c.filter((m,y)=>y!==p))}>Remove</button>
        </div>`)}
      <button type="button" class="small" aria-label=${`Add to ${a}`} onClick=${()=>r([...c,X(e,f)])}>Add</button>
    </fieldset>`}let d=Zt(e,i,l,n,r,a,o);return u`<label class="field"><${ge} name=${a} required=${o} />${d}<${ye} schema=${i} /></label>`}function Zt(e,t,n,r,a,o,s){if(Array.isArray(t.enum))return u`<select aria-label=${o} value=${r===void 0?"":String(r)}
      onChange=${i=>{let l=i.currentTarget.value;if(l==="")return a(void 0);let d=t.enum.find(c=>String(c)===l);a(d===void 0?l:d)}}>
      ${s?null:u`<option value="">—</option>`}
      ${t.enum.map(i=>u`<option value=${String(i)}>${String(i)}</option>`)}
    </select>`;switch(n){case"boolean":return u`<input type="checkbox" aria-label=${o} checked=${!!r} onChange=${i=>a(i.currentTarget.checked)} />`;case"integer":case"number":return u`<input type="number" aria-label=${o} required=${s}
        step=${n==="integer"?"1":"any"} min=${t.minimum} max=${t.maximum}
        value=${r===void 0?"":String(r)}
        onInput=${i=>{let l=i.currentTarget.value;if(l==="")return a(void 0);let d=Number(l);a(isNaN(d)?l:d)}} />`;case"string":return u`<input type="text" aria-label=${o} required=${s} maxLength=${t.maxLength}
        placeholder=${t.format==="date-time"?"2006-01-02T15:04:05Z":t.format||""}
        value=${r===void 0?"":String(r)}
        onInput=${i=>{let l=i.currentTarget.value;a(l===""&&!s?void 0:l)}} />`;default:return u`<${Yt} name=${o} value=${r} onChange=${a} />`}}function Yt({name:e,value:t,onChange:n}){return u`<textarea aria-label=${e} rows="3" class="mono" placeholder="JSON"
    value=${t===void 0?"":JSON.stringify(t)}
    onChange=${r=>{let a=r.currentTarget.value.trim();if(a==="")return n(void 0);try{n(JSON.parse(a)),r.currentTarget.setCustomValidity("")}catch(o){r.currentTarget.setCustomValidity(String(o.message)),r.currentTarget.reportValidity()}}}></textarea>`}function en({root:e,s:t,value:n,onChange:r,name:a,required:o}){let s=yt(e,t),i=n&&typeof n=="object"?n:{},l=s.findIndex(f=>f.prop&&i[f.prop]===f.key);l<0&&(l=Math.max(0,s.findIndex(f=>f.key===i.__variant)));let d=s[l],c=f=>{let _=X(e,s[f].schema)||{};s[f].prop&&(_[s[f].prop]=s[f].key),r(_)};return u`<fieldset class="oneof">
    <legend><${ge} name=${a||"value"} required=${o} /></legend><${ye} schema=${t} />
    <label class="field"><span class="label-text">${a?a+" variant":"variant"}</span>
      <select aria-label=${(a?a+" ":"")+"variant"} value=${String(l)} onChange=${f=>c(Number(f.currentTarget.value))}>
        ${s.map((f,_)=>u`<option value=${String(_)}>${f.key}</option>`)}
      </select>
    </label>
    <${be} root=${e} schema=${d.schema} value=${i} onChange=${f=>r(d.prop?{...f,[d.prop]:d.key}:f)} name=${d.key} required=${!0} top=${!0} />
  </fieldset>`}function vt(e){switch(e.protocol){case"rest":return`REST ${e.method} ${e.path}`;case"graphql":return`GraphQL ${e.operationType} ${e.field}`;case"grpc":return`gRPC ${e.method}`;case"connect":return`Connect ${e.path}`;case"mcp":return`MCP tool ${e.tool}`;default:return e.protocol}}function xt(e){let t={};for(let n of(e||"").split(`
`)){let r=n.indexOf(":");r>0&&(t[n.slice(0,r).trim()]=n.slice(r+1).trim())}return t}function kt(e,t,n,r,a={}){let o=r&&typeof r=="object"&&!Array.isArray(r)?r:{},s={...he(),...a};switch(n.protocol){case"rest":{let i=e.protocols&&e.protocols.rest&&e.protocols.rest.base||"",l=g=>String(g).toLowerCase().replace(/[^a-z0-9]/g,""),d={...o},c=g=>{let h=g in d?g:Object.keys(d).find(A=>l(A)===l(g));if(h===void 0)return;let P=d[h];return delete d[h],P},f=g=>typeof g=="object"?JSON.stringify(g):String(g),_=n.path.replace(/\{([^}]+)\}/g,(g,h)=>{let P=c(h.replace(/\.\.\.$/,""));return encodeURIComponent(P===void 0?"":f(P))});for(let g of n.headerParams||[]){let h=c(g);h!==void 0&&h!==""&&(s[g]=f(h))}let p=$e+i+_,m,y=n.body!==void 0?n.body:n.method!=="GET"&&n.method!=="DELETE",$=new URLSearchParams,v=Array.isArray(n.queryParams)&&(n.queryParams.length||y)?n.queryParams:Object.keys(d);for(let g of v){let h=c(g);h==null||h===""||(Array.isArray(h)?h.forEach(P=>$.append(g,f(P))):$.set(g,f(h)))}let b=$.toString();b&&(p+="?"+b),y&&(s["Content-Type"]="application/json",m=JSON.stringify(d));let S=n.stream==="sse"||t.kind==="stream"?"sse":"";return s.Accept=S?"text/event-stream":"application/json",{method:n.method,url:p,headers:s,body:m,stream:S}}case"graphql":{let i=n.path||e.protocols&&e.protocols.graphql&&e.protocols.graphql.path||"/graphql",l=n.variables==="input"?{input:o}:o;s["Content-Type"]="application/json";let d=n.operationType==="subscription"?"sse":"";return s.Accept=d?"text/event-stream":"application/graphql-response+json, application/json",{method:"POST",url:$e+i,headers:s,body:JSON.stringify({query:n.document,variables:l}),stream:d}}case"connect":{let i=e.protocols&&e.protocols.connect&&e.protocols.connect.base||"",l=$e+i+n.path,d=JSON.stringify(o);return n.stream?(s["Content-Type"]="application/connect+json",s["Connect-Protocol-Version"]="1",{method:"POST",url:l,headers:s,body:d,envelope:!0,stream:"connect"}):(s["Content-Type"]="application/json",s["Connect-Protocol-Version"]="1",{method:"POST",url:l,headers:s,body:d,stream:""})}default:throw new Error(`the console cannot call ${n.protocol} itself; copy the command instead`)}}function tn(e,t=0){let n=new TextEncoder().encode(e),r=new Uint8Array(5+n.length);return r[0]=t,new DataView(r.buffer).setUint32(1,n.length),r.set(n,5),r}function nn(e){let t={};return e.headers.forEach((n,r)=>t[r]=n),t}function He(e){try{return JSON.parse(e)}catch{return e}}async function St(e,{signal:t,onUpdate:n=()=>{}}={}){let r={request:e,response:null,items:[],ms:0,done:!1,error:null},a=performance.now(),o=()=>n({...r,items:[...r.items]}),s;try{s=await fetch(e.url,{method:e.method,headers:e.headers,body:e.envelope?tn(e.body):e.body,signal:t})}catch(l){return r.error=l.name==="AbortError"?"stopped":String(l.message||l),r.ms=performance.now()-a,r.done=!0,o(),r}Ue(s.status),r.ms=performance.now()-a,r.response={status:s.status,statusText:s.statusText,headers:nn(s),body:null};let i=s.headers.get("content-type")||"";try{e.stream==="sse"&&s.ok&&i.includes("text/event-stream")?(o(),await rn(s,l=>{r.items.push(l),o()})):e.stream==="connect"&&i.includes("application/connect+json")?(o(),await on(s,(l,d)=>{d?(r.response.trailer=l,l&&l.error&&(r.error=`${l.error.code}: ${l.error.message||""}`)):r.items.push(l),o()})):r.response.body=He(await s.text())}catch(l){l.name!=="AbortError"?r.error=String(l.message||l):r.error="stopped"}return r.ms=performance.now()-a,r.done=!0,o(),r}async function rn(e,t){let n=e.body.pipeThrough(new TextDecoderStream).getReader(),r="",a={event:"",id:"",data:[]};for(;;){let{value:o,done:s}=await n.read();if(s)break;r+=o;let i;for(;(i=r.search(/\r?\n/))>=0;){let l=r.slice(0,i);if(r=r.slice(i+(r[i]==="\r"?2:1)),l===""){if(a.data.length){let _={data:He(a.data.join(`
`))};if(a.event&&(_.event=a.event),a.id&&(_.id=a.id),t(_),a.event==="complete")return}a={event:"",id:"",data:[]};continue}if(l.startsWith(":"))continue;let d=l.indexOf(":"),c=d<0?l:l.slice(0,d),f=d<0?"":l.slice(d+1).replace(/^ /,"");c==="data"?a.data.push(f):c==="event"?a.event=f:c==="id"&&(a.id=f)}}}async function on(e,t){let n=e.body.getReader(),r=new Uint8Array(0),a=new TextDecoder;for(;;){let{value:o,done:s}=await n.read();if(s)break;let i=new Uint8Array(r.length+o.length);for(i.set(r),i.set(o,r.length),r=i;r.length>=5;){let l=new DataView(r.buffer,r.byteOffset).getUint32(1);if(r.length<5+l)break;let d=r[0],c=He(a.decode(r.subarray(5,5+l)));r=r.slice(5+l),t(c,(d&2)!==0)}}}function G(e){return"'"+String(e).replace(/'/g,"'\\''")+"'"}function wt(e){let t=["curl","-sS"];e.stream&&t.push("-N"),e.method!=="GET"&&t.push("-X",e.method),t.push(G(e.url));for(let[n,r]of Object.entries(e.headers))t.push("-H",G(`${n}: ${r}`));if(e.body!==void 0){if(e.envelope){let n=new TextEncoder().encode(e.body).length,r=[0,n>>>24&255,n>>>16&255,n>>>8&255,n&255].map(a=>"\\"+a.toString(8).padStart(3,"0")).join("");return`printf ${G(r+"%s")} ${G(e.body)} | ${t.join(" ")} --data-binary @- --output -`}t.push("-d",G(e.body))}return t.join(" ")}function Fe(e,t,n){let r=t.addr||e.protocols&&e.protocols.grpc&&e.protocols.grpc.addr||":9090",a=/^(?:|0\.0\.0\.0|\[::\]|::):(\d+)$/.exec(r);a&&(r=`${location.hostname}:${a[1]}`);let o=["grpcurl","-plaintext"],s=he();return s.Authorization&&o.push("-H",G("Authorization: "+s.Authorization)),o.push("-d",G(JSON.stringify(n||{})),r,t.method.replace(/^\//,"")),o.join(" ")}function Tt({info:e,ops:t,selected:n}){let[r,a]=x(""),o=t.filter(i=>!r||i.name.toLowerCase().includes(r.toLowerCase())),s=t.find(i=>i.name===n)||null;return u`<div class="split">
    <nav class="list" aria-label="Operations">
      <input type="search" aria-label="Filter operations" placeholder="Filter operations" value=${r} onInput=${i=>a(i.currentTarget.value)} />
      <ul>
        ${o.map(i=>u`<li key=${i.name}>
            <a href=${N("operations",i.name)} aria-current=${i===s?"page":void 0} class=${i===s?"active":""}>
              <span class=${"kind "+i.kind}>${i.kind}</span> ${i.name}${i.admin?u` <span class="tag">admin</span>`:""}${i.deprecated?u` <span class="tag warn">deprecated</span>`:""}
            </a>
          </li>`)}
      </ul>
    </nav>
    <section class="detail">
      ${s?u`<${cn} key=${s.name} info=${e} op=${s} />`:u`<${sn} ops=${o} />`}
    </section>
  </div>`}var an=["rest","graphql","grpc","connect","mcp"];function sn({ops:e}){let t=(n,r)=>{let a=(n.endpoints||[]).find(o=>o.protocol===r);if(!a)return"";switch(r){case"rest":return`${a.method} ${a.path}`;case"graphql":return`${a.operationType} ${a.field}`;case"grpc":return a.method;case"connect":return a.path;default:return a.tool}};return u`<table class="grid" aria-label="Operations overview">
    <thead><tr><th>Operation</th><th>REST</th><th>GraphQL</th><th>gRPC</th><th>Connect</th><th>MCP</th></tr></thead>
    <tbody>${e.map(n=>u`<tr key=${n.name}><td><a href=${N("operations",n.name)}>${n.name}</a> <span class=${"kind "+n.kind}>${n.kind}</span>${n.description?u`<br /><small class="muted">${n.description}</small>`:""}</td>
        ${an.map(r=>u`<td><code>${t(n,r)}</code></td>`)}</tr>`)}</tbody>
  </table>`}function ln(e,t){switch(t.protocol){case"rest":return u`<td>REST</td><td><code>${t.method} ${t.path}</code>${t.stream?u` <span class="tag">${t.stream}</span>`:""}</td>`;case"graphql":return u`<td>GraphQL</td><td><code>${t.operationType} ${t.field}</code></td>`;case"grpc":return u`<td>gRPC</td><td><code>${t.method}</code> at <code>${t.addr||e.protocols.grpc&&e.protocols.grpc.addr||""}</code></td>`;case"connect":return u`<td>Connect</td><td><code>POST ${t.path}</code>${t.stream?u` <span class="tag">server stream</span>`:""}</td>`;case"mcp":return u`<td>MCP</td><td>tool <code>${t.tool}</code></td>`;default:return u`<td>${t.protocol}</td><td><code>${JSON.stringify(t)}</code></td>`}}var Ct={rest:"REST",graphql:"GraphQL",connect:"gRPC (Connect)"};function cn({info:e,op:t}){let n=t.input||{},[r,a]=x(()=>X(n,n)||{}),o=(t.endpoints||[]).filter(h=>Ct[h.protocol]),[s,i]=x(o.length?o[0].protocol:""),[l,d]=x(""),[c,f]=x(null),[_,p]=x(!1),m=de(null);H(()=>()=>m.current&&m.current.abort(),[]);let y=o.find(h=>h.protocol===s),$=(t.endpoints||[]).find(h=>h.protocol==="grpc"),v=fe(()=>{if(!y)return null;try{return kt(e,t,y,r,xt(l))}catch{return null}},[y,r,l]),b=async h=>{if(h.preventDefault(),!v)return;m.current&&m.current.abort();let P=new AbortController;m.current=P,p(!0);let A=Date.now();f({request:v,response:null,items:[],done:!1});let R=await St(v,{signal:P.signal,onUpdate:J=>m.current===P&&f(J)});m.current===P&&(un(t,y,A).then(J=>J&&m.current===null&&f({...R,trace:J})),m.current=null,p(!1))},S=()=>{m.current&&m.current.abort()},g=[];return v&&(g.push({name:s==="graphql"?"GraphQL (curl)":"curl",text:wt(v)}),s==="connect"&&$&&g.push({name:"grpcurl",text:Fe(e,$,r)})),u`<article aria-label=${"Operation "+t.name}>
    <h2>${t.name} <span class=${"kind "+t.kind}>${t.kind}</span></h2>
    ${t.description?u`<p>${t.description}</p>`:null}
    <table class="endpoints" aria-label="Endpoints"><tbody>
      ${(t.endpoints||[]).map((h,P)=>u`<tr key=${P}>${ln(e,h)}</tr>`)}
    </tbody></table>
    <details><summary>Input schema</summary><${z} value=${t.input} label="Input schema" /></details>
    <details><summary>Output schema</summary><${z} value=${t.output} label="Output schema" /></details>
    ${$&&$.protocol&&!o.some(h=>h.protocol==="connect")?u`<p class="muted">gRPC proper needs HTTP/2 framing a browser cannot send; copy the grpcurl command: <code>${Fe(e,$,r)}</code></p>`:null}
    ${o.length?u`<form class="call" onSubmit=${b} aria-label=${"Call "+t.name}>
          <h3>Call</h3>
          <${bt} root=${n} schema=${n} value=${r} onChange=${a} />
          <details><summary>Raw input (JSON)</summary>
            <textarea aria-label="Raw input" class="mono" rows="4" value=${JSON.stringify(r,null,2)}
              onChange=${h=>{try{a(JSON.parse(h.currentTarget.value))}catch{}}}></textarea>
          </details>
          <details><summary>Extra headers</summary>
            <textarea aria-label="Extra headers" class="mono" rows="2" placeholder="Idempotency-Key: 123" value=${l} onInput=${h=>d(h.currentTarget.value)}></textarea>
          </details>
          <div class="row">
            <label class="field inline"><span class="label-text">Protocol</span>
              <select aria-label="Protocol" value=${s} onChange=${h=>i(h.currentTarget.value)}>
                ${o.map(h=>u`<option value=${h.protocol}>${Ct[h.protocol]}</option>`)}
              </select>
            </label>
            <button type="submit" class="primary" disabled=${!v}>Send</button>
            ${_&&v&&v.stream?u`<button type="button" onClick=${S}>Stop</button>`:null}
            <span class="muted">${y?vt(y):""}</span>
          </div>
        </form>`:u`<p class="muted">No endpoint the browser can call (REST, GraphQL or Connect).</p>`}
    ${g.length?u`<section aria-label="Commands" class="commands">
          ${g.map(h=>u`<div class="command" key=${h.name}><div class="row"><strong>${h.name}</strong><${$t} text=${h.text} label=${"Copy "+h.name} /></div><pre class="mono">${h.text}</pre></div>`)}
        </section>`:null}
    ${c?u`<${dn} ex=${c} />`:null}
  </article>`}async function un(e,t,n){for(let r=0;r<3;r++){try{let{traces:a}=await T("traces"+F({operation:e.name,protocol:t.protocol,limit:1})),o=a&&a[0];if(o&&Date.parse(o.start)>=n-1e3)return o.traceId}catch{return""}await new Promise(a=>setTimeout(a,300))}return""}function pn(e){if(!e)return"";let t=e.traceparent;if(t){let n=t.split("-");if(n.length>=3)return n[1]}return e["x-trace-id"]||e["trace-id"]||""}function dn({ex:e}){let{request:t,response:n}=e,r=e.trace||n&&pn(n.headers),a=e.error==="stopped",o=n&&n.status<400&&(!e.error||a);return u`<section class="exchange" aria-label="Exchange">
    <div class="half">
      <h3>Request</h3>
      <pre class="mono" aria-label="Request">${fn(t)}</pre>
    </div>
    <div class="half">
      <h3>Response ${n?u`<span class=${"status "+(o?"ok":"error")} aria-label="Status">${n.status} ${n.statusText}</span>`:null}
        <span class="muted">${e.done?j(e.ms):"…"}</span>
        ${r?u` <a href=${N("traces",r)} aria-label="Trace of this call">trace ${r.slice(0,8)}…</a>`:null}
      </h3>
      ${a?u`<p class="muted" role="status">Stopped.</p>`:u`<${O} error=${e.error} />`}
      ${n?u`<pre class="mono" aria-label="Response">${_n(n)}</pre>`:null}
      ${e.items&&(e.items.length||t.stream&&n)?u`<h4>Stream (${e.items.length} item${e.items.length===1?"":"s"}${e.done?", ended":", live"})</h4>
          <ol class="items" aria-label="Stream items">${e.items.map((s,i)=>u`<li key=${i}><code>${JSON.stringify(s)}</code></li>`)}</ol>`:null}
      ${n&&n.trailer?u`<h4>End of stream</h4><pre class="mono">${oe(n.trailer)}</pre>`:null}
    </div>
  </section>`}function fn(e){let t=[`${e.method} ${e.url}`,...Object.entries(e.headers).map(([n,r])=>`${n}: ${r}`)].join(`
`);return e.body!==void 0?t+`

`+oe(mn(e.body)):t}function _n(e){let t=Object.entries(e.headers).map(([n,r])=>`${n}: ${r}`).join(`
`);return e.body!==null&&e.body!==void 0?t+`

`+oe(e.body):t}function mn(e){try{return JSON.parse(e)}catch{return e}}function Ot({info:e,ops:t,traceId:n}){return n?u`<${gn} id=${n} />`:u`<${hn} info=${e} ops=${t} />`}function hn({info:e,ops:t}){let[n,r]=x({protocol:"",operation:"",status:"",q:""}),[a,o]=x(!0),{data:s,error:i}=I(()=>T("traces"+F({...n,limit:100})),[n.protocol,n.operation,n.status,n.q],2e3,a),l=f=>_=>r({...n,[f]:_.currentTarget.value}),d=["rest","graphql","grpc","connect","grpc-web","mcp","inprocess"],c=s&&s.traces||[];return u`<section aria-label="Traces">
    <form class="filters row" onSubmit=${f=>f.preventDefault()}>
      <label class="field inline"><span class="label-text">Protocol</span>
        <select aria-label="Protocol filter" value=${n.protocol} onChange=${l("protocol")}>
          <option value="">all</option>${d.map(f=>u`<option value=${f}>${f}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Operation</span>
        <select aria-label="Operation filter" value=${n.operation} onChange=${l("operation")}>
          <option value="">all</option>${t.map(f=>u`<option value=${f.name}>${f.name}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Status</span>
        <select aria-label="Status filter" value=${n.status} onChange=${l("status")}>
          <option value="">all</option><option value="ok">ok</option><option value="error">error</option>
        </select></label>
      <label class="field inline"><span class="label-text">Search</span>
        <input type="search" aria-label="Search traces" value=${n.q} onInput=${l("q")} placeholder="id, name, attribute" /></label>
      <label class="field inline"><input type="checkbox" checked=${a} onChange=${f=>o(f.currentTarget.checked)} /> Auto-refresh</label>
    </form>
    <${O} error=${i} />
    <table class="grid" aria-label="Recent traces">
      <thead><tr><th>Time</th><th>Protocol</th><th>Operation</th><th>Status</th><th>Duration</th><th>Spans</th><th>Trace</th></tr></thead>
      <tbody>
        ${c.map(f=>u`<tr key=${f.traceId} class=${f.status==="error"?"error-row":""}>
            <td>${q(f.start)}</td><td>${f.protocol}</td><td>${f.operation||f.name}</td>
            <td><span class=${"status "+f.status}>${f.status}${f.code&&f.code!==f.status?" "+f.code:""}</span></td>
            <td class="num">${j(f.durationMs)}</td><td class="num">${f.spans}</td>
            <td><a href=${N("traces",f.traceId)} aria-label=${`Trace ${f.traceId} (${f.protocol} ${f.operation||f.name})`}><code>${f.traceId.slice(0,16)}</code></a></td>
          </tr>`)}
      </tbody>
    </table>
    ${s&&!c.length?u`<p class="muted">No traces yet: call an operation.</p>`:null}
  </section>`}function $n(e){let t=new Set(e.map(o=>o.spanId)),n=new Map;for(let o of e){let s=o.parentId&&t.has(o.parentId)?o.parentId:"";n.has(s)||n.set(s,[]),n.get(s).push(o)}let r=[],a=(o,s)=>{for(let i of(n.get(o)||[]).sort((l,d)=>l.offsetMs-d.offsetMs))r.push({span:i,depth:s}),s<64&&a(i.spanId,s+1)};return a("",0),r}function gn({id:e}){let{data:t,error:n}=I(()=>T("traces/"+encodeURIComponent(e)),[e]),[r,a]=x(null);if(n&&!t)return u`<p><a href=${N("traces")}>← Traces</a></p><${O} error=${n} />`;if(!t)return u`<p class="muted">Loading trace…</p>`;let o=t.spans||[],s=Math.max(.001,...o.map(d=>(d.offsetMs||0)+(d.durationMs||0))),i=$n(o),l=o.find(d=>d.spanId===r);return u`<section aria-label=${"Trace "+e}>
    <p class="row"><a href=${N("traces")}>← Traces</a>
      <span>Trace <code>${e}</code>, ${o.length} spans, ${j(s)}</span>
      ${t.link?u`<a href=${t.link} target="_blank" rel="noopener">Open in the trace viewer ↗</a>`:null}</p>
    <div class="waterfall" role="list" aria-label="Waterfall">
      ${i.map(({span:d,depth:c})=>u`<button type="button" role="listitem" key=${d.spanId}
            class=${"span-row"+(d.status==="error"?" error":"")+(d.spanId===r?" selected":"")}
            aria-label=${`Span ${d.name}`} onClick=${()=>a(d.spanId===r?null:d.spanId)}>
          <span class="span-name" style=${{paddingLeft:c*14+"px"}}>${d.name}${d.kind?u` <small class="muted">${d.kind}</small>`:""}</span>
          <span class="span-track">
            <span class="bar" style=${{left:(d.offsetMs||0)/s*100+"%",width:Math.max(.4,(d.durationMs||0)/s*100)+"%"}}></span>
          </span>
          <span class="span-ms num">${j(d.durationMs)}</span>
        </button>`)}
    </div>
    ${l?u`<div class="span-detail" aria-label="Span details">
          <h3>${l.name}</h3>
          <p>Status <span class=${"status "+l.status}>${l.status}</span>${l.statusMessage?" — "+l.statusMessage:""};
            starts at +${j(l.offsetMs)}, lasts ${j(l.durationMs)}; span <code>${l.spanId}</code>${l.parentId?u`, parent <code>${l.parentId}</code>`:""}</p>
          <table class="grid" aria-label="Attributes"><tbody>
            ${Object.entries(l.attributes||{}).map(([d,c])=>u`<tr key=${d}><th>${d}</th><td><code>${typeof c=="string"?c:JSON.stringify(c)}</code></td></tr>`)}
          </tbody></table>
          ${l.events&&l.events.length?u`<h4>Events</h4><${z} value=${l.events} label="Span events" />`:null}
        </div>`:u`<p class="muted">Click a span for its attributes.</p>`}
  </section>`}function yn({values:e,label:t,width:n=180,height:r=32}){let a=e&&e.length?e:[0],o=Math.max(...a,1e-4),s=a.length>1?n/(a.length-1):n,i=a.map((l,d)=>`${(d*s).toFixed(1)},${(r-2-l/o*(r-4)).toFixed(1)}`).join(" ");return u`<svg class="spark" width=${n} height=${r} viewBox=${`0 0 ${n} ${r}`} role="img" aria-label=${t}>
    <polyline points=${`0,${r} ${i} ${n},${r}`} class="area" />
    <polyline points=${i} class="line" />
  </svg>`}function Pt(){let[e,t]=x(!0),{data:n,error:r}=I(()=>T("metrics"),[],1e3,e),a=n&&n.series||[],o=[...a].sort((s,i)=>s.operation.localeCompare(i.operation)||s.protocol.localeCompare(i.protocol));return u`<section aria-label="Metrics">
    <p class="row"><span class="muted">Requests per second over the last ${n&&n.windowSeconds||60} s, per operation and protocol.</span>
      <label class="field inline"><input type="checkbox" checked=${e} onChange=${s=>t(s.currentTarget.checked)} /> Live</label></p>
    <${O} error=${r} />
    <table class="grid" aria-label="Operation metrics">
      <thead><tr><th>Operation</th><th>Protocol</th><th>req/s (60 s)</th><th>now</th><th>Count</th><th>Errors</th><th>p50</th><th>p99</th></tr></thead>
      <tbody>
        ${o.map(s=>{let i=s.rps||[],l=i.length?i[i.length-1]:0;return u`<tr key=${s.operation+"/"+s.protocol}>
            <td>${s.operation}</td><td>${s.protocol}</td>
            <td><${yn} values=${i} label=${`${s.operation} over ${s.protocol}: requests per second`} /></td>
            <td class="num">${l.toFixed(1)}</td><td class="num">${s.count}</td>
            <td class=${"num"+(s.errors?" error-text":"")}>${s.errors}</td>
            <td class="num">${j(s.p50Ms)}</td><td class="num">${j(s.p99Ms)}</td>
          </tr>`})}
      </tbody>
    </table>
    ${n&&!a.length?u`<p class="muted">No requests in the window yet.</p>`:null}
  </section>`}function Nt({stream:e}){return e?u`<${xn} name=${e} />`:u`<${bn} />`}function bn(){let[e,t]=x(""),[n,r]=x([""]),a=n[n.length-1],{data:o,error:s}=I(()=>T("streams"+F({prefix:e,after:a,limit:50})),[e,a],3e3),i=o&&o.streams||[];return u`<section aria-label="Streams">
    <form class="filters row" onSubmit=${l=>l.preventDefault()}>
      <label class="field inline"><span class="label-text">Prefix</span>
        <input type="search" aria-label="Stream prefix" value=${e} placeholder="account-"
          onInput=${l=>{t(l.currentTarget.value),r([""])}} /></label>
      <button type="button" disabled=${n.length<2} onClick=${()=>r(n.slice(0,-1))}>Previous page</button>
      <button type="button" disabled=${!(o&&o.next)} onClick=${()=>r([...n,o.next])}>Next page</button>
    </form>
    <${O} error=${s} />
    <table class="grid" aria-label="Streams list">
      <thead><tr><th>Stream</th><th>Version</th><th>Last event</th><th>Updated</th></tr></thead>
      <tbody>
        ${i.map(l=>u`<tr key=${l.stream}>
            <td><a href=${N("streams",l.stream)}><code>${l.stream}</code></a></td>
            <td class="num">${l.version}</td><td>${l.lastType}</td><td>${q(l.updated)}</td>
          </tr>`)}
      </tbody>
    </table>
    ${o&&!i.length?u`<p class="muted">No streams${e?" with that prefix":""}.</p>`:null}
  </section>`}function vn({m:e}){if(!e)return null;let{correlationId:t,causationId:n,traceId:r,...a}=e;return u`<dl class="meta">
    ${t?u`<dt>correlation</dt><dd><code>${t}</code></dd>`:null}
    ${n?u`<dt>causation</dt><dd><code>${n}</code></dd>`:null}
    ${r?u`<dt>trace</dt><dd><a href=${N("traces",r)}><code>${r}</code></a></dd>`:null}
    ${Object.entries(a).filter(([,o])=>o!==""&&o!==null&&o!==void 0).map(([o,s])=>u`<dt>${o}</dt><dd><code>${typeof s=="string"?s:JSON.stringify(s)}</code></dd>`)}
  </dl>`}function Et({e,showStream:t}){return u`<li class="event">
    <div class="row"><strong>${e.type}</strong>
      ${t?u`<a href=${N("streams",e.stream)}><code>${e.stream}</code></a>`:null}
      <span class="muted">v${e.version} · #${e.position} · ${q(e.time)}</span></div>
    <pre class="mono">${JSON.stringify(e.data)}</pre>
    <${vn} m=${e.metadata} />
  </li>`}function xn({name:e}){let[t,n]=x(null),{data:r,error:a}=I(()=>T("streams/"+encodeURIComponent(e)+F({version:t})),[e,t],t===null?3e3:0),o=r?r.head:0,s=r?r.version:0,i=l=>n(Math.min(o,Math.max(1,l)));return u`<section aria-label=${"Stream "+e}>
    <p class="row"><a href=${N("streams")}>← Streams</a> <span>Stream <code>${e}</code>${r&&r.aggregate?u` · aggregate <code>${r.aggregate}</code>`:""}</span></p>
    <${O} error=${a} />
    ${r?u`<div class="timetravel row" role="group" aria-label="Time travel">
            <button type="button" aria-label="Previous version" disabled=${s<=1} onClick=${()=>i(s-1)}>◀</button>
            <label class="field inline"><span class="label-text">Version</span>
              <input type="range" aria-label="Version" min="1" max=${o} value=${s} onInput=${l=>i(Number(l.currentTarget.value))} /></label>
            <button type="button" aria-label="Next version" disabled=${s>=o} onClick=${()=>i(s+1)}>▶</button>
            <span aria-live="polite">version <strong aria-label="Shown version">${s}</strong> of ${o}</span>
            ${t!==null&&s<o?u`<button type="button" onClick=${()=>n(null)}>Back to the head</button>`:null}
          </div>
          <div class="cols">
            <div><h3>State at version ${s}</h3><${z} value=${r.state} label="State" /></div>
            <div><h3>Events that built it</h3>
              <ol class="events" aria-label="Stream events">${(r.events||[]).map(l=>u`<${Et} key=${l.position} e=${l} />`)}</ol></div>
          </div>`:u`<p class="muted">Loading…</p>`}
  </section>`}function It(){let[e,t]=x({type:"",q:""}),[n,r]=x([0]),a=n[n.length-1],{data:o,error:s}=I(()=>T("events"+F({after:a,limit:100,type:e.type,q:e.q})),[a,e.type,e.q],3e3),i=d=>c=>{t({...e,[d]:c.currentTarget.value}),r([0])},l=o&&o.events||[];return u`<section aria-label="Event log">
    <form class="filters row" onSubmit=${d=>d.preventDefault()}>
      <label class="field inline"><span class="label-text">Type</span><input type="search" aria-label="Event type" value=${e.type} onInput=${i("type")} placeholder="bank.Deposited" /></label>
      <label class="field inline"><span class="label-text">Search</span><input type="search" aria-label="Search events" value=${e.q} onInput=${i("q")} placeholder="text in data or metadata" /></label>
      <button type="button" disabled=${n.length<2} onClick=${()=>r(n.slice(0,-1))}>Previous page</button>
      <button type="button" disabled=${!(o&&o.next)} onClick=${()=>r([...n,o.next])}>Next page</button>
      ${o?u`<span class="muted">head #${o.head}</span>`:null}
    </form>
    <${O} error=${s} />
    <ol class="events" aria-label="Events">${l.map(d=>u`<${Et} key=${d.position} e=${d} showStream=${!0} />`)}</ol>
    ${o&&!l.length?u`<p class="muted">No events.</p>`:null}
  </section>`}function jt(){let{data:e,error:t,reload:n}=I(()=>T("projections"),[],1e3),[r,a]=x(null),[o,s]=x(null),i=async c=>{s(null);try{await T("projections/"+encodeURIComponent(c)+"/rebuild",{method:"POST"}),a({name:c,seen:e}),n()}catch(f){s(f)}},l=e&&e.projections||[],d=null;if(r){let c=l.find(_=>_.name===r.name);d=e!==r.seen&&c&&c.lag===0&&c.status==="live"?`${r.name} rebuilt: lag 0 at position ${c.position}.`:`Rebuilding ${r.name}…`}return u`<section aria-label="Projections">
    ${d?u`<p role="status">${d}</p>`:null}
    <${O} error=${o} />
    <${O} error=${t} />
    <table class="grid" aria-label="Projections list">
      <thead><tr><th>Name</th><th>Kind</th><th>Position</th><th>Head</th><th>Lag</th><th>Status</th><th>Updated</th><th></th></tr></thead>
      <tbody>
        ${l.map(c=>u`<tr key=${c.name}>
            <td>${c.name}</td><td>${c.kind}</td><td class="num">${c.position}</td><td class="num">${c.head}</td>
            <td class=${"num"+(c.lag?" warn-text":"")} aria-label=${"Lag of "+c.name}>${c.lag}</td>
            <td><span class=${"status "+(c.status==="failed"?"error":c.status==="live"?"ok":"")}>${c.status}</span>${c.error?u` <span class="error-text">${c.error}</span>`:""}</td>
            <td>${q(c.updated)}</td>
            <td><button type="button" aria-label=${"Rebuild "+c.name} onClick=${()=>i(c.name)}>Rebuild</button></td>
          </tr>`)}
      </tbody>
    </table>
    ${e&&!l.length?u`<p class="muted">No projections.</p>`:null}
  </section>`}function qt(){let{data:e,error:t}=I(()=>T("sagas"),[],2e3),n=e&&e.sagas||[];return u`<section aria-label="Sagas">
    <${O} error=${t} />
    ${n.map(r=>u`<div key=${r.name} class="saga"><h3>${r.name} <span class="muted">${(r.instances||[]).length} instances</span></h3>
        <table class="grid" aria-label=${"Saga "+r.name}>
          <thead><tr><th>Instance</th><th>Status</th><th>Started</th><th>Updated</th><th>Steps</th></tr></thead>
          <tbody>
            ${(r.instances||[]).map(a=>u`<tr key=${a.id}>
                <td><code>${a.id}</code></td><td><span class=${"status "+a.status}>${a.status}</span></td>
                <td>${q(a.started)}</td><td>${q(a.updated)}</td>
                <td><ol class="steps">${(a.steps||[]).map((o,s)=>u`<li key=${s} class=${"step "+o.status} title=${(o.at?q(o.at):"")+(o.error?" — "+o.error:"")}>
                    ${o.name}: ${o.status}${o.error?u` <span class="error-text">(${o.error})</span>`:""}</li>`)}</ol></td>
              </tr>`)}
          </tbody>
        </table></div>`)}
    ${e&&!n.length?u`<p class="muted">No sagas.</p>`:null}
  </section>`}function Rt(){let{data:e,error:t}=I(()=>T("idempotency?limit=100"),[],3e3),n=e&&e.records||[];return u`<section aria-label="Idempotency">
    <${O} error=${t} />
    <table class="grid" aria-label="Idempotency records">
      <thead><tr><th>Scope</th><th>Key</th><th>Created</th><th>Result</th><th>Position</th><th>Response</th></tr></thead>
      <tbody>${n.map(r=>u`<tr key=${r.scope+"/"+r.key}><td>${r.scope}</td><td><code>${r.key}</code></td><td>${q(r.created)}</td>
          <td>${r.code}</td><td class="num">${r.position||""}</td><td><code>${r.response===void 0?"":JSON.stringify(r.response)}</code></td></tr>`)}</tbody>
    </table>
    ${e&&!n.length?u`<p class="muted">${e.supported===!1?"This event store cannot list its idempotency records.":"No idempotency records."}</p>`:null}
  </section>`}var kn=[{id:"operations",title:"Operations"},{id:"traces",title:"Traces"},{id:"metrics",title:"Metrics"},{id:"streams",title:"Event store",cqrs:!0},{id:"events",title:"Event log",cqrs:!0},{id:"projections",title:"Projections",cqrs:!0},{id:"sagas",title:"Sagas",cqrs:!0},{id:"idempotency",title:"Idempotency",cqrs:!0}];function Mt({info:e}){let[,t]=x(0);H(()=>ft(()=>t(o=>o+1)),[]);let[n,r]=x(Q());if(!e.auth&&!Q()&&!me)return null;let a=me&&!Q();return u`<form class=${"auth"+(a?" prompt":"")} onSubmit=${o=>{o.preventDefault(),Le(n.trim()),location.reload()}}>
    ${a?u`<p role="alert">The service refused a call: enter a bearer token.</p>`:null}
    <label class="field"><span class="label-text">Bearer token</span>
      <input type="password" aria-label="Bearer token" autocomplete="off" value=${n} onInput=${o=>r(o.currentTarget.value)} /></label>
    <div class="row"><button type="submit" class="small">Use token</button>
      ${Q()?u`<button type="button" class="small" onClick=${()=>{Le(""),r("")}}>Forget</button>`:null}</div>
  </form>`}function Sn(){let[e,t]=x(null),[n,r]=x([]),[a,o]=x(null),s=gt();if(H(()=>{(async()=>{try{let _=await T("info");t({..._,protocols:_.protocols||{}});let p=await T("operations");r(p&&p.operations||[])}catch(_){o(_)}})()},[]),!e)return u`<main class="boot">${a?u`<${O} error=${a} /><${Mt} info=${{auth:!0}} />`:u`<p class="loading">Loading…</p>`}</main>`;let i=kn.filter(_=>!_.cqrs||e.cqrs),l=i.some(_=>_.id===s[0])?s[0]:"operations",d=s.slice(1).join("/"),c=i.find(_=>_.id===l),f=Object.entries(e.protocols).filter(([,_])=>_).map(([_])=>_);return u`<div class="shell">
    <aside>
      <header>
        <h1>${e.service||"service"}</h1>
        <p class="muted">${e.version||""} · AllFrame console</p>
        <p class="protos">${f.map(_=>u`<span class="tag" key=${_}>${_}</span>`)}</p>
      </header>
      <nav aria-label="Panels"><ul>
        ${i.map(_=>u`<li key=${_.id}><a href=${N(_.id)} class=${_.id===l?"active":""} aria-current=${_.id===l?"page":void 0}>${_.title}</a></li>`)}
      </ul></nav>
      <${Mt} info=${e} />
    </aside>
    <main>
      <h2 class="panel-title">${c.title}</h2>
      <${O} error=${a} />
      ${l==="operations"?u`<${Tt} info=${e} ops=${n} selected=${d} />`:null}
      ${l==="traces"?u`<${Ot} info=${e} ops=${n} traceId=${d} />`:null}
      ${l==="metrics"?u`<${Pt} />`:null}
      ${l==="streams"?u`<${Nt} stream=${d} />`:null}
      ${l==="events"?u`<${It} />`:null}
      ${l==="projections"?u`<${jt} />`:null}
      ${l==="sagas"?u`<${qt} />`:null}
      ${l==="idempotency"?u`<${Rt} />`:null}
    </main>
  </div>`}var At=document.getElementById("app");At.textContent="";Ne(u`<${Sn} />`,At);
