export default function Success() {
  return <h1>Thank you for your order</h1>;
}
