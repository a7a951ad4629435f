type Props = Record<string, unknown>;

export function track(name: string, props: Props = {}, callback?: () => void): void {
  window.analytics.track(name, props, {}, callback);
}
