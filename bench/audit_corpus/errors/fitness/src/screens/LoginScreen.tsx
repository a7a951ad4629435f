import React, { useState } from "react";
import { Text, View, Button } from "react-native";
import { useTranslation } from "react-i18next";
import { signIn } from "../api/auth";

export function LoginScreen(): JSX.Element {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(email: string, password: string): Promise<void> {
    try {
      await signIn(email, password);
    } catch (err) {
      if (err instanceof TypeError) {
        setError("You must be connected to the internet to sign in.");
      } else {
        setError(t("auth.errors.generic"));
      }
      console.warn("sign-in failed", err);
    }
  }

  return (
    <View>
      <Text accessibilityRole="header">{t("auth.signIn")}</Text>
      {error ? <Text style={{ color: "red" }}>{error}</Text> : null}
      <Button title={t("auth.signIn")} onPress={() => onSubmit("", "")} />
    </View>
  );
}
