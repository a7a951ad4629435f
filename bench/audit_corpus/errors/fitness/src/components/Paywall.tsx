import React from "react";
import { Text } from "react-native";

const COPY = {
  title: "Go Premium",
  body: "Unlock training plans and unlimited history.",
  legal: "You must be 16 or over to subscribe. Cancel any time in your store settings.",
  purchaseError: "Purchase failed. Make sure your payment method is up to date.",
};

export function Paywall(): JSX.Element {
  return <Text>{COPY.title}</Text>;
}
