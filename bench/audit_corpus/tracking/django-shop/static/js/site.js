// Small site helpers. Analytics is loaded by GTM; nothing here depends on it.
document.querySelectorAll('[data-dismiss]').forEach((el) => {
  el.addEventListener('click', () => el.closest('.notice').remove());
});
