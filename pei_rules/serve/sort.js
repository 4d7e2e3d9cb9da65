document.querySelectorAll('table.sortable').forEach(function(tb){
  tb.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var body=tb.tBodies[0],rows=Array.from(body.rows),asc=th.dataset.dir!=='asc';
      tb.querySelectorAll('th').forEach(function(h){delete h.dataset.dir});th.dataset.dir=asc?'asc':'desc';
      function key(r){var c=r.cells[i];if(!c)return null;var s=c.dataset.sort;if(s!==undefined)return s===''?null:parseFloat(s);var t=c.textContent.trim().toLowerCase();return t===''?null:t;}
      rows.sort(function(a,b){var x=key(a),y=key(b);
        if(x===null||y===null)return x===null?(y===null?0:1):-1;
        if(typeof x==='number'&&typeof y==='number')return asc?x-y:y-x;
        if(typeof x==='number')return -1;if(typeof y==='number')return 1;
        return asc?(x<y?-1:x>y?1:0):(x<y?1:x>y?-1:0);});
      rows.forEach(function(r){body.appendChild(r)});
    });
  });
});
