(function(){
  var root=document.getElementById('informe'); if(!root) return;
  var ids=new Set(JSON.parse(document.getElementById('figure-ids').textContent));
  var base=root.dataset.explain, lang=document.documentElement.lang;
  var panel=document.getElementById('explicacion'), body=document.getElementById('explicacion-cuerpo');
  function link(el,addr){
    if(!addr||el.querySelector('a.fig')) return;
    var a=document.createElement('a'); a.className='fig'; a.dataset.figure=addr;
    a.href=base+'?cifra='+encodeURIComponent(addr)+'&lang='+lang;
    while(el.firstChild) a.appendChild(el.firstChild); el.appendChild(a);
  }
  root.querySelectorAll('td[title]').forEach(function(td){
    var id=td.getAttribute('title').split(' \u2014 ')[0].trim(); if(ids.has(id)) link(td,id);
  });
  root.querySelectorAll('tr[data-code]').forEach(function(tr){
    var code=tr.dataset.code;
    if(tr.classList.contains('conteo')){
      tr.querySelectorAll('td[data-band]').forEach(function(td){var a='conteo:'+code+':'+td.dataset.band; if(ids.has(a)) link(td,a);});
      return;
    }
    if(ids.has(code)) link(tr.cells[0],code);
  });
  root.querySelectorAll('.card[data-figure]').forEach(function(c){var v=c.querySelector('.value'); if(v&&ids.has(c.dataset.figure)) link(v,c.dataset.figure);});
  root.addEventListener('click',function(e){
    var a=e.target.closest('a.fig'); if(!a) return; e.preventDefault();
    body.innerHTML='<p class="muted">\u2026</p>'; panel.classList.add('open');
    fetch(a.href+'&fragmento=1').then(function(r){return r.text()}).then(function(h){body.innerHTML=h; panel.dataset.figure=a.dataset.figure;});
  });
  document.getElementById('explicacion-cerrar').addEventListener('click',function(){panel.classList.remove('open')});
})();
