// Checkout step 1: send begin_checkout, then continue; never wait more than 400 ms for the tag.
(function () {
  var form = document.querySelector('form[action$="/checkout/"]');
  if (!form) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var done = false;
    function proceed() { if (!done) { done = true; form.submit(); } }
    gtag('event', 'begin_checkout', { event_callback: proceed });
    setTimeout(proceed, 400);
  });
})();
