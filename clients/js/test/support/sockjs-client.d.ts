declare module 'sockjs-client' {
  const SockJS: new (url: string, reserved?: unknown, options?: Record<string, unknown>) => any;
  export default SockJS;
}
