import { useRouter } from "next/router";
import { track } from "../lib/analytics";

export function PayButton() {
  const router = useRouter();
  return <button onClick={() => track("Payment Started", {}, () => router.push("/checkout/pay"))}>Pay</button>;
}
