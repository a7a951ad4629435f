import { analytics } from './segment';

export function bindCart(root) {
  root.querySelectorAll('[data-add-to-cart]').forEach((button) => {
    button.addEventListener('click', () => {
      analytics.track('Product Added', { sku: button.dataset.sku, quantity: 1 });
      fetch('/cart/add/', { method: 'POST', body: new FormData(button.form) });
    });
  });

  root.querySelector('#checkout-button')?.addEventListener('click', async (event) => {
    event.preventDefault();
    await analytics.track('Checkout Started', { value: root.dataset.total });
    window.location.href = '/checkout/';
  });
}
