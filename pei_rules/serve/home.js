(function(){
  var year=document.getElementById('anio'), sel=document.getElementById('reglas'), why=document.getElementById('por-que');
  var lang=document.documentElement.lang;
  function update(){
    var y=parseInt(year.value,10); if(!y){why.textContent=why.dataset.auto; return;}
    fetch('/api/rules?year='+y+'&lang='+lang).then(function(r){return r.json()}).then(function(d){
      if(d.picked){ sel.value=d.picked; } why.textContent=d.why||'';
    }).catch(function(){});
  }
  year.addEventListener('change',update); year.addEventListener('input',update); update();
})();
