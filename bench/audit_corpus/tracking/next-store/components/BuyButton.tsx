import { useRouter } from "next/router";

export function BuyButton({ sku }: { sku: string }) {
  const router = useRouter();
  const onClick = () =>
    gtag("event", "begin_checkout", {
      items: [{ item_id: sku }],
      event_callback: () => router.push("/checkout"),
      event_timeout: 1500,
    });
  return <button onClick={onClick}>Buy now</button>;
}
