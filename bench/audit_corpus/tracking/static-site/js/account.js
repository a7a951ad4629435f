document.getElementById('logout').addEventListener('click', function () {
  mixpanel.track('Logged out', {}, function () {
    window.location = '/login.html';
  });
});
