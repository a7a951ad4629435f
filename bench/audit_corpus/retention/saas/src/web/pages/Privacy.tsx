import { Markdown } from "../components/Markdown";
import policy from "../../../docs/legal/privacy-policy.md?raw";

export default function Privacy() {
  return (
    <main className="prose">
      <Markdown source={policy} />
    </main>
  );
}
