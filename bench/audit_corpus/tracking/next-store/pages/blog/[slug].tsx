export default function Post({ post }: { post: { title: string; html: string } }) {
  return <article><h1>{post.title}</h1><div dangerouslySetInnerHTML={{ __html: post.html }} /></article>;
}
