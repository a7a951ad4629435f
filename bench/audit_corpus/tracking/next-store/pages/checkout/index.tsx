import { useRouter } from "next/router";
import { useCart } from "../../lib/cart";

export default function CheckoutPage() {
  const router = useRouter();
  const cart = useCart();

  async function placeOrder() {
    const order = await fetch("/api/orders", { method: "POST", body: JSON.stringify(cart) }).then((r) => r.json());
    window.analytics.track("Order Completed", { order_id: order.id, total: order.total }, {}, () => {
      router.push(`/checkout/success?order=${order.id}`);
    });
  }

  return <button onClick={placeOrder}>Place order</button>;
}
