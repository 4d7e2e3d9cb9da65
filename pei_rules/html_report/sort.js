(function(){
  function key(td){if(!td||td.colSpan>1)return {n:null,s:'\uffff'};var s=td.getAttribute('data-sort');if(s===null)s=td.textContent.trim();var n=s===''?NaN:Number(s.replace(/,/g,''));return {n:isNaN(n)?null:n,s:s.toLowerCase()};}
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads=table.querySelectorAll('thead th[data-col]');
    heads.forEach(function(th){
      var i=parseInt(th.getAttribute('data-col'),10);
      th.classList.add('sortable');th.setAttribute('tabindex','0');
      function sort(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        heads.forEach(function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
          if(x.n===null&&y.n===null)return asc?x.s.localeCompare(y.s):y.s.localeCompare(x.s);
          if(x.n===null)return 1;if(y.n===null)return -1;return asc?x.n-y.n:y.n-x.n;});
        rows.forEach(function(r){body.appendChild(r);});
      }
      th.addEventListener('click',sort);
      th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});
    });
  });
  document.documentElement.setAttribute('data-sortable','ready');
})();
