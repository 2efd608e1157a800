/**
 * A page's two announcements: the outcome of its last action (polite live region, always present so screen
 * readers hear changes) and the error of its last load (an alert).
 */
export function PageStatus({ message, error }: { message: string | null | undefined; error: string | null | undefined }) {
  return (
    <>
      <p role="status" aria-live="polite">
        {message}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
