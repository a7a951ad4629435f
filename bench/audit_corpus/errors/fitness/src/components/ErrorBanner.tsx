import React from "react";
import { Text, View } from "react-native";

export function ErrorBanner({ onRetry }: { onRetry: () => void }): JSX.Element {
  return (
    <View accessibilityRole="alert">
      <Text>Something went wrong.</Text>
      <Text onPress={onRetry}>Try again</Text>
    </View>
  );
}
