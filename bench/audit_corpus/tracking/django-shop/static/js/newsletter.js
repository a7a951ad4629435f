document.addEventListener('submit', (event) => {
  if (!event.target.matches('#newsletter')) return;
  gtag('event', 'sign_up', {
    method: 'newsletter',
    event_callback: () => showToast('Thanks for subscribing!'),
  });
});
