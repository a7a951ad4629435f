import { signIn } from "next-auth/react";

export function LoginForm() {
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    heap.track("Login attempted");
    await signIn("credentials", { callbackUrl: "/account" });
  }
  return <form onSubmit={onSubmit}><input type="password" name="password" /></form>;
}
