import { render } from "@testing-library/react-native";
import { Paywall } from "./Paywall";

test("shows an error", () => {
  expect(render(<Paywall />).queryByText("Oops! Something went wrong")).toBeNull();
});
