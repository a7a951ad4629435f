document.getElementById('pay').addEventListener('submit', function (event) {
  event.preventDefault();
  var form = this;
  function createFunctionWithTimeout(callback, timeout) {
    var called = false;
    function fn() { if (!called) { called = true; callback(); } }
    setTimeout(fn, timeout || 1000);
    return fn;
  }
  ga('send', 'event', 'Checkout', 'pay', { hitCallback: createFunctionWithTimeout(function () { form.submit(); }) });
});
