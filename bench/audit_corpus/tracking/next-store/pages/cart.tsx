import posthog from "posthog-js";
import Link from "next/link";

export default function Cart() {
  posthog.capture("cart_viewed");
  return <Link href="/checkout">Checkout</Link>;
}
