import Link from "next/link";

export default function NotFound() {
  return (
    <div className="page">
      <div className="state" data-test="not-found">
        <h2>This page does not exist.</h2>
        <p><Link href="/">Back to the service graph</Link></p>
      </div>
    </div>
  );
}
