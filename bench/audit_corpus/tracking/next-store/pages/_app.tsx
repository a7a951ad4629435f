import Script from "next/script";
import type { AppProps } from "next/app";

export default function App({ Component, pageProps }: AppProps) {
  return (
    <>
      <Script src="https://www.googletagmanager.com/gtag/js?id=G-NEXT01" strategy="afterInteractive" />
      <Component {...pageProps} />
    </>
  );
}
