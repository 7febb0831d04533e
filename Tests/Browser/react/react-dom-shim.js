// 'react-dom/client' for the test page: the UMD build's createRoot.
export const createRoot = (...args) => window.ReactDOM.createRoot(...args);
