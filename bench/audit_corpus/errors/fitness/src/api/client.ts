const BASE_URL = "https://api.fitness.example/v2";

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

export async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${BASE_URL}${path}`);
  if (response.status === 401) {
    throw new ApiError(401, "Session expired");
  }
  if (!response.ok) {
    throw new ApiError(response.status, "An error occurred");
  }
  return (await response.json()) as T;
}

export function describe(error: unknown): string {
  if (error instanceof ApiError && error.status >= 500) {
    return "The server had a problem. Your data is safe. Try again in a few minutes.";
  }
  return "An unexpected error occurred";
}
